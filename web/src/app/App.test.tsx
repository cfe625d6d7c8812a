import { act, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api';
import { HomePage } from '../features/home/HomePage';
import { App } from './App';
import type { RouteDef } from './router';
import type { Page } from './routes';

function homeWith(check: (signal: AbortSignal) => Promise<{ latencyMs: number }>): RouteDef<Page>[] {
  return [
    {
      path: '/',
      view: { title: 'Parley', render: () => <HomePage statusOptions={{ check, intervalMs: 0 }} /> },
    },
  ];
}

describe('App', () => {
  afterEach(() => {
    window.history.replaceState(null, '', '/');
  });

  it('shows the home page with the server reachable', async () => {
    render(<App routes={homeWith(async () => ({ latencyMs: 4 }))} />);

    expect(screen.getByRole('link', { name: 'Parley home' })).toBeTruthy();
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe(
      'Group chat and video calls you can host yourself',
    );
    expect((await screen.findByText('Server is reachable')).closest('[role=status]')).toBeTruthy();
  });

  it('says when the server cannot be reached and checks again on request', async () => {
    let calls = 0;
    const check = async () => {
      calls++;
      if (calls === 1) throw new ApiError({ status: 0, code: 'network_error', message: 'down' });
      return { latencyMs: 1 };
    };
    render(<App routes={homeWith(check)} />);

    expect(await screen.findByText('Can’t reach the server')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));

    expect(await screen.findByText('Server is reachable')).toBeTruthy();
    expect(calls).toBe(2);
  });

  it('shows NotFound for an unknown path and goes home from it', async () => {
    window.history.replaceState(null, '', '/no/such/page');
    render(<App routes={homeWith(async () => ({ latencyMs: 1 }))} />);

    expect(screen.getByRole('heading', { name: 'Page not found' })).toBeTruthy();
    expect(screen.getByText('/no/such/page')).toBeTruthy();
    expect(document.title).toBe('Page not found · Parley');

    act(() => {
      fireEvent.click(screen.getByRole('link', { name: 'Back to home' }), { button: 0 });
    });
    expect(window.location.pathname).toBe('/');
    expect(await screen.findByText('Server is reachable')).toBeTruthy();
    expect(document.title).toBe('Parley');
  });
});
