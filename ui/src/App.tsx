import { useState } from 'react';
import { HashRouter } from 'react-router';
import { QueryClientProvider } from '@tanstack/react-query';
import { createQueryClient } from './serverState/queryClient';
import { AppRoutes } from './shell/AppRoutes';

/**
 * The app: one query cache for all backend data, and screens addressed by the part of the
 * URL after `#`. Hash addresses because the bundle is served by Tauri's own protocol, where
 * only the part before `#` names a file: a reload at `#/w/…/dashboard` still loads
 * index.html and reopens the same screen. The declarative router is enough here (data
 * comes from the query cache, not route loaders) and sets itself up and down with React,
 * StrictMode's double effects included.
 */
export function App() {
  const [queryClient] = useState(createQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      <HashRouter>
        <AppRoutes />
      </HashRouter>
    </QueryClientProvider>
  );
}
