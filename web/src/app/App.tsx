import { useEffect } from 'react';
import { Shell } from '../components/Shell';
import { NotFound } from './NotFound';
import { resolve, usePathname, type RouteDef } from './router';
import { routes as defaultRoutes, type Page } from './routes';

/** The whole client: the shared frame around the page the path selects. */
export function App({ routes = defaultRoutes }: { routes?: readonly RouteDef<Page>[] }) {
  const pathname = usePathname();
  const match = resolve(routes, pathname);
  const title = match ? match.route.view.title : 'Page not found · Parley';

  useEffect(() => {
    document.title = title;
  }, [title]);

  return (
    <Shell>{match ? match.route.view.render(match.params) : <NotFound pathname={pathname} />}</Shell>
  );
}
