import { useState } from "preact/hooks";

// The first screen: log in, or create an account (NEW USR). One form at a
// time, each a named form so that assistive technology (and the browser
// tests) find "Log in" and "Create account" by name.

interface Props {
  onLogin(pseudo: string, password: string): Promise<void>;
  onRegister(pseudo: string, password: string): Promise<void>;
  status: string;
}

export function Login({ onLogin, onRegister, status }: Props) {
  const [mode, setMode] = useState<"login" | "register">("login");
  const [pseudo, setPseudo] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const title = mode === "login" ? "Log in" : "Create account";

  async function submit(e: Event) {
    e.preventDefault();
    setError("");
    if (/\s/.test(pseudo) || pseudo.length === 0) return setError("A pseudo is one word, without spaces.");
    if (mode === "register" && (password.length < 8 || /\s/.test(password)))
      return setError("A password is 8 to 128 characters without spaces.");
    setBusy(true);
    try {
      await (mode === "login" ? onLogin : onRegister)(pseudo, password);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="login">
      <div class="login-box">
        <h1>Salon</h1>
        <p class="sub">{mode === "login" ? "Welcome back!" : "Create your account"}</p>
        <form aria-label={title} onSubmit={submit}>
          {error && (
            <p class="form-error" role="alert">
              {error}
            </p>
          )}
          <label class="field">
            <span>Pseudo</span>
            <input
              type="text"
              name="pseudo"
              autocomplete="username"
              required
              maxLength={32}
              value={pseudo}
              onInput={(e) => setPseudo(e.currentTarget.value)}
            />
          </label>
          <label class="field">
            <span>Password</span>
            <input
              type="password"
              name="password"
              autocomplete={mode === "login" ? "current-password" : "new-password"}
              required
              maxLength={128}
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </label>
          <button type="submit" class="primary" disabled={busy}>
            {title}
          </button>
        </form>
        <p class="switch">
          {mode === "login" ? "Need an account? " : "Already have an account? "}
          <button type="button" onClick={() => (setMode(mode === "login" ? "register" : "login"), setError(""))}>
            {mode === "login" ? "Create account" : "Log in instead"}
          </button>
        </p>
        {status && (
          <p class="switch" role="status">
            {status}
          </p>
        )}
      </div>
    </main>
  );
}
