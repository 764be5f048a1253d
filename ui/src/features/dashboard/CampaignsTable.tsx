import { memo, useId, useMemo, useState } from 'react';
import {
  createColumnHelper,
  flexRender,
  getCoreRowModel,
  getFilteredRowModel,
  getSortedRowModel,
  useReactTable,
} from '@tanstack/react-table';
import type { ColumnFiltersState, SortingState } from '@tanstack/react-table';
import {
  compareMicros,
  formatCount,
  formatMoneyMicros,
  formatMultiple,
  formatPercent,
  parseMicros,
} from '../../format';
import type { MicrosAmount } from '../../format';
import type { CampaignRow, Platform } from '../../ipc/backend';
import { PLATFORMS, platformName } from '../../platforms';

const column = createColumnHelper<CampaignRow>();

/** Numeric columns: right-aligned and sorted largest-first on the first click. */
function numeric(): { sortDescFirst: true; sortUndefined: 'last'; meta: { numeric: true } } {
  return { sortDescFirst: true, sortUndefined: 'last', meta: { numeric: true } };
}

// Derived ratios are null when their denominator is zero; tanstack only knows how to keep
// *undefined* at the end of a sort, so nulls are mapped to undefined for sorting.
const orUndefined = (v: number | null) => v ?? undefined;

/**
 * A money column: sorted exactly on the micros (BigInt), shown in the campaign's own currency,
 * so a workspace with a EUR and a USD account never shows euros with a dollar sign.
 */
function moneyColumn(id: string, header: string, amount: (row: CampaignRow) => MicrosAmount | null) {
  return column.accessor((r) => parseMicros(amount(r)) ?? undefined, {
    id,
    header,
    cell: (c) => formatMoneyMicros(c.getValue(), c.row.original.currency),
    // Amounts in different currencies have no order: a sort groups them by currency first.
    sortingFn: (a, b, columnId) =>
      a.original.currency.localeCompare(b.original.currency) ||
      compareMicros(a.getValue<bigint | undefined>(columnId), b.getValue<bigint | undefined>(columnId)),
    ...numeric(),
  });
}

function buildColumns() {
  return [
    column.accessor('name', {
      header: 'Campaign',
      filterFn: 'includesString',
      cell: (c) => <span className="cell-name">{c.getValue()}</span>,
    }),
    column.accessor('platform', {
      header: 'Platform',
      filterFn: 'equalsString',
      cell: (c) => platformName(c.getValue()),
      sortingFn: (a, b) =>
        platformName(a.original.platform).localeCompare(platformName(b.original.platform)),
    }),
    column.accessor('objective', { header: 'Objective' }),
    column.accessor('status', {
      header: 'Status',
      cell: (c) => (
        <span className={`status status--${c.getValue().toLowerCase()}`}>{c.getValue()}</span>
      ),
    }),
    moneyColumn('spend', 'Spend', (r) => r.spendMicros),
    column.accessor('impressions', {
      header: 'Impressions',
      cell: (c) => formatCount(c.getValue(), { compact: false }),
      ...numeric(),
    }),
    column.accessor('clicks', {
      header: 'Clicks',
      cell: (c) => formatCount(c.getValue(), { compact: false }),
      ...numeric(),
    }),
    column.accessor((r) => orUndefined(r.ctr), {
      id: 'ctr',
      header: 'CTR',
      cell: (c) => formatPercent(c.getValue()),
      ...numeric(),
    }),
    moneyColumn('cpc', 'CPC', (r) => r.cpcMicros),
    column.accessor('conversions', {
      header: 'Conversions',
      cell: (c) => formatCount(c.getValue(), { compact: false }),
      ...numeric(),
    }),
    moneyColumn('cpa', 'CPA', (r) => r.cpaMicros),
    column.accessor((r) => orUndefined(r.roas), {
      id: 'roas',
      header: 'ROAS',
      cell: (c) => formatMultiple(c.getValue()),
      ...numeric(),
    }),
  ];
}

interface Props {
  campaigns: readonly CampaignRow[];
}

const COLUMNS = buildColumns();

// Memoised: the dashboard re-renders on every job progress tick, the table need not.
export const CampaignsTable = memo(function CampaignsTable({ campaigns }: Props) {
  const id = useId();
  const columns = COLUMNS;
  // Biggest spenders first: that is what a marketer scans for.
  const [sorting, setSorting] = useState<SortingState>([{ id: 'spend', desc: true }]);
  const [columnFilters, setColumnFilters] = useState<ColumnFiltersState>([]);
  const data = useMemo(() => [...campaigns], [campaigns]);

  const table = useReactTable({
    data,
    columns,
    state: { sorting, columnFilters },
    onSortingChange: setSorting,
    onColumnFiltersChange: setColumnFilters,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getFilteredRowModel: getFilteredRowModel(),
    getRowId: (row) => row.id,
  });

  const nameFilter = (table.getColumn('name')?.getFilterValue() as string | undefined) ?? '';
  const platformFilter =
    (table.getColumn('platform')?.getFilterValue() as Platform | undefined) ?? '';
  const platformsPresent = useMemo(() => {
    const present = new Set(campaigns.map((c) => c.platform));
    return PLATFORMS.filter((p) => present.has(p));
  }, [campaigns]);
  const shown = table.getRowModel().rows.length;

  return (
    <section className="card" aria-labelledby={`${id}-heading`}>
      <header className="card__header">
        <h3 id={`${id}-heading`}>Campaigns</h3>
        <div className="table-filters">
          <input
            type="search"
            placeholder="Filter by name"
            aria-label="Filter campaigns by name"
            value={nameFilter}
            onChange={(e) => table.getColumn('name')?.setFilterValue(e.target.value || undefined)}
          />
          <select
            aria-label="Filter campaigns by platform"
            value={platformFilter}
            onChange={(e) =>
              table.getColumn('platform')?.setFilterValue(e.target.value || undefined)
            }
          >
            <option value="">All platforms</option>
            {platformsPresent.map((p) => (
              <option key={p} value={p}>
                {platformName(p)}
              </option>
            ))}
          </select>
        </div>
      </header>
      <div className="table-scroll">
        <table className="data-table" data-testid="campaigns-table">
          <thead>
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => {
                  const sorted = header.column.getIsSorted();
                  const isNumeric = Boolean(
                    (header.column.columnDef.meta as { numeric?: boolean } | undefined)?.numeric,
                  );
                  return (
                    <th
                      key={header.id}
                      scope="col"
                      className={isNumeric ? 'num' : undefined}
                      aria-sort={
                        sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none'
                      }
                    >
                      <button
                        type="button"
                        className="sort-button"
                        onClick={header.column.getToggleSortingHandler()}
                      >
                        {flexRender(header.column.columnDef.header, header.getContext())}
                        <span className="sort-indicator" aria-hidden="true">
                          {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : ''}
                        </span>
                      </button>
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody>
            {table.getRowModel().rows.map((row) => (
              <tr key={row.id} data-testid={`campaign-${row.id}`}>
                {row.getVisibleCells().map((cell) => {
                  const isNumeric = Boolean(
                    (cell.column.columnDef.meta as { numeric?: boolean } | undefined)?.numeric,
                  );
                  return (
                    <td key={cell.id} className={isNumeric ? 'num' : undefined}>
                      {flexRender(cell.column.columnDef.cell, cell.getContext())}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
        {shown === 0 && (
          <p className="empty-hint">
            {campaigns.length === 0
              ? 'No campaigns have data in this range.'
              : 'No campaigns match the filters.'}
          </p>
        )}
      </div>
      <p className="table-footer" aria-live="polite">
        Showing {shown} of {campaigns.length} campaigns
      </p>
    </section>
  );
});
