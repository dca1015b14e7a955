import { useEffect, useState, type FormEvent } from 'react';
import { useLocation } from 'wouter';
import { redeemSetupLink, signInOptions, type SignInOption } from '../api';
import { ErrorText, TextField } from '../ui';

/** /console/setup#<token>: a one-time link exchanged for a session when the admin presses the button (link previews do not use it up). */
export function SetupLinkPage({ onSignedIn, signedIn }: { onSignedIn: () => void; signedIn: boolean }) {
  const [, navigate] = useLocation();
  const [token] = useState(() => window.location.hash.replace(/^#/, ''));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    // The token leaves the address bar (and the browser history) at once.
    if (window.location.hash) window.history.replaceState(null, '', window.location.pathname);
  }, []);
  useEffect(() => {
    if (signedIn && !token) navigate('/connect');
  }, [signedIn, token, navigate]);
  const open = async () => {
    setBusy(true);
    setError(null);
    try {
      await redeemSetupLink(token);
      onSignedIn();
      navigate('/connect');
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in" id="main">
      <h1>Open the identity-hub console</h1>
      {token ? (
        <>
          <p>This setup link opens the admin console for your organisation once. It stops working after you use it.</p>
          <button type="button" className="primary" onClick={open} disabled={busy}>
            {busy ? 'Opening…' : 'Open the console'}
          </button>
        </>
      ) : (
        <p>This address needs the whole setup link, including the part after “#”.</p>
      )}
      <ErrorText>{error}</ErrorText>
      {error && (
        <p>
          Ask an administrator for a new link, or <a href="/console/sign-in">sign in with your organisation’s identity provider</a>.
        </p>
      )}
    </main>
  );
}

/** /console/sign-in: the tenant's IdP (when it set one up), or how to get a setup link. */
export function SignInPage() {
  const params = new URLSearchParams(window.location.search);
  const [slug, setSlug] = useState(params.get('tenant') ?? '');
  const [option, setOption] = useState<SignInOption | null>(null);
  const [error, setError] = useState<string | null>(params.get('error'));
  const [slugError, setSlugError] = useState<string | null>(null);
  const find = async (event: FormEvent) => {
    event.preventDefault();
    setOption(null);
    setSlugError(null);
    if (!slug.trim()) return setSlugError('Enter your organisation’s identifier (its tenant slug).');
    try {
      const found = await signInOptions(slug.trim());
      if (!found) setSlugError('This organisation has no sign-in with an identity provider set up. Use a setup link instead.');
      setOption(found);
    } catch (caught) {
      setError((caught as Error).message);
    }
  };
  return (
    <main className="sign-in" id="main">
      <h1>Sign in to the identity-hub console</h1>
      <ErrorText>{error}</ErrorText>
      <form onSubmit={find} noValidate>
        <TextField label="Organisation (tenant slug)" value={slug} onChange={setSlug} error={slugError} placeholder="demo" name="tenant" />
        <button type="submit">Continue</button>
      </form>
      {option && (
        <p>
          <a className="button primary" href={option.startUrl}>
            Sign in with {option.displayName}
          </a>
        </p>
      )}
      <h2>No identity provider yet?</h2>
      <p>
        An operator mints a one-time setup link with <code>npm run cli -- setup-link &lt;tenant&gt;</code>; <code>npm start</code> prints one for the demo tenant.
      </p>
    </main>
  );
}
