import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { campaign } from '../../test/fixtures';
import { CampaignsTable } from './CampaignsTable';

const CAMPAIGNS = [
  campaign({ id: 'a', name: 'Brand Search', platform: 'googleAds', spendMicros: '2500000000', cpaMicros: '10000000' }),
  campaign({ id: 'b', name: 'Prospecting Video', platform: 'meta', spendMicros: '9000000000', cpaMicros: null }),
  campaign({ id: 'c', name: 'Retargeting Carousel', platform: 'meta', spendMicros: '500000000', cpaMicros: '30000000' }),
  campaign({ id: 'd', name: 'Brand Video', platform: 'tiktok', spendMicros: '4000000000', cpaMicros: '20000000' }),
];

function rowIds(): string[] {
  const table = screen.getByTestId('campaigns-table');
  return within(table)
    .getAllByRole('row')
    .slice(1) // header row
    .map((r) => r.dataset.testid?.replace('campaign-', '') ?? '');
}

describe('CampaignsTable', () => {
  it('shows formatted cells, biggest spend first by default', () => {
    render(<CampaignsTable campaigns={CAMPAIGNS} />);
    expect(rowIds()).toEqual(['b', 'd', 'a', 'c']);
    const first = screen.getByTestId('campaign-b');
    expect(within(first).getByText('$9,000.00')).toBeInTheDocument();
    expect(within(first).getByText('Meta')).toBeInTheDocument();
    expect(within(first).getByText('2.00%')).toBeInTheDocument();
    expect(within(first).getByText('4.00×')).toBeInTheDocument();
    // A campaign without conversions has no CPA.
    expect(within(first).getByText('—')).toBeInTheDocument();
    expect(screen.getByRole('columnheader', { name: /Spend/ })).toHaveAttribute('aria-sort', 'descending');
  });

  it('sorts by spend when the header is clicked', async () => {
    render(<CampaignsTable campaigns={CAMPAIGNS} />);
    const spendHeader = screen.getByRole('button', { name: /^Spend/ });

    await userEvent.click(spendHeader);
    expect(rowIds()).toEqual(['c', 'a', 'd', 'b']);
    expect(screen.getByRole('columnheader', { name: /Spend/ })).toHaveAttribute('aria-sort', 'ascending');

    await userEvent.click(spendHeader);
    await userEvent.click(spendHeader);
    expect(rowIds()).toEqual(['b', 'd', 'a', 'c']);
  });

  it('sorts other columns, keeping missing values last', async () => {
    render(<CampaignsTable campaigns={CAMPAIGNS} />);
    await userEvent.click(screen.getByRole('button', { name: /^CPA/ }));
    expect(rowIds()).toEqual(['c', 'd', 'a', 'b']);
    await userEvent.click(screen.getByRole('button', { name: /^Campaign/ }));
    expect(rowIds()).toEqual(['a', 'd', 'b', 'c']);
  });

  it('filters by name, case-insensitively', async () => {
    render(<CampaignsTable campaigns={CAMPAIGNS} />);
    await userEvent.type(screen.getByLabelText('Filter campaigns by name'), 'video');
    expect(rowIds()).toEqual(['b', 'd']);
    expect(screen.getByText('Showing 2 of 4 campaigns')).toBeInTheDocument();

    await userEvent.type(screen.getByLabelText('Filter campaigns by name'), ' zzz');
    expect(rowIds()).toEqual([]);
    expect(screen.getByText('No campaigns match the filters.')).toBeInTheDocument();
  });

  it('filters by platform, offering only platforms present', async () => {
    render(<CampaignsTable campaigns={CAMPAIGNS} />);
    const select = screen.getByLabelText('Filter campaigns by platform');
    expect(within(select).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'All platforms',
      'Meta',
      'Google Ads',
      'TikTok',
    ]);
    await userEvent.selectOptions(select, 'meta');
    expect(rowIds()).toEqual(['b', 'c']);

    await userEvent.type(screen.getByLabelText('Filter campaigns by name'), 'retarget');
    expect(rowIds()).toEqual(['c']);
  });

  it('shows each campaign in its own currency, exactly past 2^53 micros', () => {
    render(
      <CampaignsTable
        campaigns={[
          // 9,007,199,254.740993 IDR: 2^53 + 1 micros, which a double would round.
          campaign({ id: 'idr', name: 'Jakarta', currency: 'IDR', spendMicros: '9007199254740993', cpcMicros: null, cpaMicros: null }),
          campaign({ id: 'eur', name: 'Paris', currency: 'EUR', spendMicros: '1500000', cpcMicros: null, cpaMicros: null }),
        ]}
      />,
    );
    expect(within(screen.getByTestId('campaign-idr')).getByText(/^IDR\s9,007,199,255$/)).toBeInTheDocument();
    expect(within(screen.getByTestId('campaign-eur')).getByText('€1.50')).toBeInTheDocument();
    expect(rowIds()).toEqual(['idr', 'eur']);
  });

  it('keeps each currency together when sorting by money, never ranking rupiah against euros', () => {
    render(
      <CampaignsTable
        campaigns={[
          campaign({ id: 'eur-big', currency: 'EUR', spendMicros: '2000000000' }),
          campaign({ id: 'idr', currency: 'IDR', spendMicros: '1000000000' }),
          campaign({ id: 'eur-small', currency: 'EUR', spendMicros: '1500000' }),
        ]}
      />,
    );
    // By raw micros the rupiah row would sit between the two euro rows.
    expect(rowIds()).toEqual(['idr', 'eur-big', 'eur-small']);
  });
});
