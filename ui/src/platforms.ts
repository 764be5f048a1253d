import type { Platform } from './ipc/backend';

export const PLATFORMS: readonly Platform[] = [
  'meta',
  'googleAds',
  'tiktok',
  'pinterest',
  'linkedin',
  'snapchat',
  'ga4',
  'dv360',
  'youtube',
];

const DISPLAY_NAMES: Record<Platform, string> = {
  meta: 'Meta',
  googleAds: 'Google Ads',
  tiktok: 'TikTok',
  pinterest: 'Pinterest',
  linkedin: 'LinkedIn',
  snapchat: 'Snapchat',
  ga4: 'GA4',
  dv360: 'DV360',
  youtube: 'YouTube',
};

/**
 * Line colours for charts. They are SVG attributes rather than CSS (recharts sets them per
 * series), so they live here; each has enough contrast on both the light and dark surface.
 */
const COLORS: Record<Platform, string> = {
  meta: '#3b82f6',
  googleAds: '#f59e0b',
  tiktok: '#ec4899',
  pinterest: '#ef4444',
  linkedin: '#0ea5e9',
  snapchat: '#eab308',
  ga4: '#f97316',
  dv360: '#22c55e',
  youtube: '#a855f7',
};

export function platformName(platform: Platform): string {
  // The contract may grow platforms before the UI is updated; show the raw key then.
  return DISPLAY_NAMES[platform] ?? platform;
}

export function platformColor(platform: Platform): string {
  return COLORS[platform] ?? '#64748b';
}
