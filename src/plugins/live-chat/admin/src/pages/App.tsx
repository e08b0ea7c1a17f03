import * as React from 'react';
import { Page } from '@strapi/strapi/admin';
import { Route, Routes } from 'react-router-dom';
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

export default function App() {
  return (
    <Routes>
      <Route index element={guard(PERMISSIONS.console, <ConsolePage />)} />
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
