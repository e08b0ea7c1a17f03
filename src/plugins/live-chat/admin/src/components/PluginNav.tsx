import { Box, Flex } from '@strapi/design-system';
import { NavLink } from 'react-router-dom';
import { useRBAC } from '@strapi/strapi/admin';
import { PERMISSIONS } from '../utils/backend';
import { useT } from '../utils/useT';

/** The plugin's pages, as tabs under the header; each shown only with its permission. */
export function PluginNav() {
  const { tr } = useT();
  const { allowedActions } = useRBAC({ console: PERMISSIONS.console, history: PERMISSIONS.history, analytics: PERMISSIONS.analytics, settings: PERMISSIONS.settings } as any);
  const links = [
    { to: '.', end: true, label: tr('nav.console', 'Console'), show: allowedActions.canConsole },
    { to: 'left-messages', label: tr('nav.leftMessages', 'Left messages'), show: allowedActions.canConsole },
    { to: 'history', label: tr('nav.history', 'History'), show: allowedActions.canHistory },
    { to: 'analytics', label: tr('nav.analytics', 'Analytics'), show: allowedActions.canAnalytics },
    { to: 'settings', label: tr('nav.settings', 'Settings'), show: allowedActions.canSettings },
  ].filter((l) => l.show);
  return (
    <Box paddingLeft={10} paddingRight={10} paddingBottom={4} tag="nav" aria-label="Live chat">
      <Flex gap={4}>
        {links.map((l) => (
          <NavLink
            key={l.to}
            to={l.to === '.' ? '/plugins/live-chat' : `/plugins/live-chat/${l.to}`}
            end={l.end}
            style={({ isActive }) => ({
              padding: '6px 12px',
              borderRadius: 4,
              fontWeight: isActive ? 700 : 500,
              textDecoration: 'none',
              color: isActive ? '#4945ff' : '#32324d',
              background: isActive ? '#f0f0ff' : 'transparent',
            })}
          >
            {l.label}
          </NavLink>
        ))}
      </Flex>
    </Box>
  );
}
