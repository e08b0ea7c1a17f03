import * as React from 'react';
import { Page, useRBAC } from '@strapi/strapi/admin';
import { Navigate, Route, Routes } from 'react-router-dom';
import { PERMISSIONS } from '../utils/backend';

const ConsolePage = React.lazy(() => import('./ConsolePage'));
const LeftMessagesPage = React.lazy(() => import('./LeftMessagesPage'));
const HistoryPage = React.lazy(() => import('./HistoryPage'));
const TranscriptPage = React.lazy(() => import('./TranscriptPage'));
const AnalyticsPage = React.lazy(() => import('./AnalyticsPage'));
const SettingsPage = React.lazy(() => import('./SettingsPage'));

const guard = (permissions: { action: string; subject: null }[], element: React.ReactNode) => (
  <Page.Protect permissions={permissions}>
    <React.Suspense fallback={<Page.Loading />}>{element}</React.Suspense>
  </Page.Protect>
);

/**
 * The menu link's page: the console for agents; a user without the console action (an analyst
 * with only the analytics action, say) is sent to the first page it may open.
 */
function Home() {
  const { allowedActions, isLoading } = useRBAC({ console: PERMISSIONS.console, history: PERMISSIONS.history, analytics: PERMISSIONS.analytics, settings: PERMISSIONS.settings } as any);
  if (isLoading) return <Page.Loading />;
  if (allowedActions.canConsole) return guard(PERMISSIONS.console, <ConsolePage />);
  const first = (['history', 'analytics', 'settings'] as const).find((k) => allowedActions[`can${k[0].toUpperCase()}${k.slice(1)}`]);
  return first ? <Navigate to={first} replace /> : <Page.NoPermissions />;
}

export default function App() {
  return (
    <Routes>
      <Route index element={<Home />} />
      <Route path="left-messages" element={guard(PERMISSIONS.console, <LeftMessagesPage />)} />
      <Route path="history" element={guard(PERMISSIONS.history, <HistoryPage />)} />
      <Route path="history/:id" element={guard(PERMISSIONS.history, <TranscriptPage />)} />
      <Route path="analytics" element={guard(PERMISSIONS.analytics, <AnalyticsPage />)} />
      <Route path="settings" element={guard(PERMISSIONS.settings, <SettingsPage />)} />
      <Route path="*" element={<Page.Error />} />
    </Routes>
  );
}

export { App };
