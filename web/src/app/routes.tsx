import type { ReactNode } from 'react';
import { HomePage } from '../features/home/HomePage';
import type { Params, RouteDef } from './router';

export interface Page {
  /** The document title while this page shows. */
  title: string;
  render: (params: Params) => ReactNode;
}

/** Every page of the app, first match wins. Unknown paths show NotFound. */
export const routes: readonly RouteDef<Page>[] = [
  {
    path: '/',
    view: {
      title: 'Parley · Group chat and video calls you can host yourself',
      render: () => <HomePage />,
    },
  },
];
