/** The Strapi server's URL as the admin knows it (same origin by default). */
export const backendURL = (): string => {
  const w = window as unknown as { strapi?: { backendURL?: string } };
  return (w.strapi?.backendURL || window.location.origin).replace(/\/$/, '');
};

export const PERMISSIONS = {
  console: [{ action: 'plugin::live-chat.console', subject: null }],
  history: [{ action: 'plugin::live-chat.history', subject: null }],
  analytics: [{ action: 'plugin::live-chat.analytics', subject: null }],
  settings: [{ action: 'plugin::live-chat.settings', subject: null }],
};

/** "12 KB", "1.5 MB" */
export const formatBytes = (bytes: number): string =>
  bytes >= 1024 * 1024 ? `${+(bytes / (1024 * 1024)).toFixed(1)} MB` : bytes >= 1024 ? `${+(bytes / 1024).toFixed(1)} KB` : `${bytes} B`;

/** The error message of a failed useFetchClient call (the plugin's `{ error: { code, message } }`). */
export const errorMessage = (e: unknown): string => {
  const err = e as { response?: { data?: { error?: { message?: string; fields?: Record<string, string> } } }; message?: string };
  const body = err?.response?.data?.error;
  if (body?.fields && Object.keys(body.fields).length) return `${body.message}: ${Object.entries(body.fields).map(([k, v]) => `${k} — ${v}`).join('; ')}`;
  return body?.message ?? err?.message ?? 'Error';
};
