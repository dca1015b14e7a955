import { useCallback, useEffect, useMemo, useState } from 'react';
import { Provider } from 'urql';
import { Link, Redirect, Route, Router, Switch, useLocation } from 'wouter';
import { createApiClient, loadSession, signOut, type ConsoleSession } from './api';
import { SessionContext } from './session';
import { ErrorText } from './ui';
import { SetupLinkPage, SignInPage } from './pages/SignIn';
import { ConnectPage } from './pages/Connect';
import { DeprovisionedUsersPage, UsersPage, UserPage, GroupsPage, GroupPage } from './pages/Directory';
import { FieldsPage } from './pages/Fields';
import { MappingPage } from './pages/Mapping';
import { SettingsPage } from './pages/Settings';
import { LogsPage } from './pages/Logs';
import { AppsPage } from './pages/Apps';

const NAV: readonly (readonly [string, string])[] = [
  ['/connect', 'Connect your IdP'],
  ['/users', 'Users'],
  ['/groups', 'Groups'],
  ['/fields', 'Fields and option lists'],
  ['/mapping', 'Mapping'],
  ['/settings', 'Settings'],
  ['/logs', 'Logs'],
  ['/apps', 'Apps'],
];

function Shell({ session, onSignedOut }: { session: ConsoleSession; onSignedOut: () => void }) {
  const [location] = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const client = useMemo(() => createApiClient(session, onSignedOut), [session, onSignedOut]);
  const doSignOut = async () => {
    try {
      await signOut(session);
      onSignedOut();
    } catch (caught) {
      setError((caught as Error).message);
    }
  };
  return (
    <Provider value={client}>
      <SessionContext.Provider value={session}>
        <a className="skip" href="#main">
          Skip to content
        </a>
        <header className="topbar">
          <button type="button" className="menu-button" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen(!menuOpen)}>
            Menu
          </button>
          <span className="brand">identity-hub</span>
          <span className="tenant" aria-label="Tenant">
            {session.tenant.name} <span className="muted">({session.tenant.slug})</span>
          </span>
          <span className="who muted">Signed in as {session.subject}</span>
          <button type="button" onClick={doSignOut}>
            Sign out
          </button>
        </header>
        <ErrorText>{error}</ErrorText>
        <div className="layout">
          <nav id="nav" aria-label="Console" className={menuOpen ? 'open' : undefined}>
            <ul>
              {NAV.map(([path, label]) => (
                <li key={path}>
                  <Link href={path} aria-current={location.startsWith(path) ? 'page' : undefined} onClick={() => setMenuOpen(false)}>
                    {label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <main id="main" tabIndex={-1}>
            <Switch>
              <Route path="/connect" component={ConnectPage} />
              <Route path="/users/deprovisioned" component={DeprovisionedUsersPage} />
              <Route path="/users/:id">{(params) => <UserPage id={params.id} />}</Route>
              <Route path="/users" component={UsersPage} />
              <Route path="/groups/:id">{(params) => <GroupPage id={params.id} />}</Route>
              <Route path="/groups" component={GroupsPage} />
              <Route path="/fields" component={FieldsPage} />
              <Route path="/mapping" component={MappingPage} />
              <Route path="/settings" component={SettingsPage} />
              <Route path="/logs" component={LogsPage} />
              <Route path="/apps" component={AppsPage} />
              <Route>
                <Redirect to="/connect" replace />
              </Route>
            </Switch>
          </main>
        </div>
      </SessionContext.Provider>
    </Provider>
  );
}

export function App() {
  const [session, setSession] = useState<ConsoleSession | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const refresh = useCallback(() => {
    loadSession().then(setSession, (caught: Error) => setError(caught.message));
  }, []);
  useEffect(refresh, [refresh]);
  const ended = useCallback(() => setSession(null), []);
  if (error) return <ErrorText>{error}</ErrorText>;
  if (session === undefined) return <p className="loading">Loading…</p>;
  return (
    <Router base="/console">
      <Switch>
        <Route path="/setup">
          <SetupLinkPage onSignedIn={refresh} signedIn={session !== null} />
        </Route>
        <Route path="/sign-in">{session ? <Redirect to="/connect" /> : <SignInPage />}</Route>
        <Route>{session ? <Shell session={session} onSignedOut={ended} /> : <Redirect to="/sign-in" />}</Route>
      </Switch>
    </Router>
  );
}
