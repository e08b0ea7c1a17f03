import { useIntl } from 'react-intl';
import { t } from './translations';

/** `tr('console.accept', 'Accept')`: the plugin's message, or its English default. */
export function useT() {
  const { formatMessage, formatTime, formatDate } = useIntl();
  const tr = (id: string, defaultMessage: string, values?: Record<string, string | number>) => formatMessage({ id: t(id), defaultMessage }, values);
  const time = (iso: string) => formatTime(iso, { hour: '2-digit', minute: '2-digit' });
  const dateTime = (iso: string) => `${formatDate(iso, { day: '2-digit', month: '2-digit', year: 'numeric' })} ${formatTime(iso, { hour: '2-digit', minute: '2-digit' })}`;
  return { tr, time, dateTime };
}
