import * as React from 'react';
import { Box, Button, Checkbox, Field, Flex, Grid, MultiSelect, MultiSelectOption, TextInput, Textarea, Typography } from '@strapi/design-system';
import { Layouts, Page, useClipboard, useFetchClient, useNotification } from '@strapi/strapi/admin';
import type { ConsoleSettings, ConsoleSettingsValues, DepartmentSettings, DepartmentUpdate } from '../../../shared/contract';
import { PluginNav } from '../components/PluginNav';
import { backendURL, errorMessage, formatBytes } from '../utils/backend';
import { useT } from '../utils/useT';

const NUMBERS = ['gracePeriodSeconds', 'waitingLimitSeconds', 'idleSeconds', 'agentCap', 'postCloseWindowSeconds'] as const;

function DepartmentCard({ dep, agents, onSaved }: { dep: DepartmentSettings; agents: ConsoleSettings.Response['agents']; onSaved: (d: DepartmentSettings) => void }) {
  const { tr } = useT();
  const { put } = useFetchClient();
  const { toggleNotification } = useNotification();
  const [timezone, setTimezone] = React.useState(dep.timezone);
  const [email, setEmail] = React.useState(dep.notificationEmail ?? '');
  const [hours, setHours] = React.useState(dep.businessHours ? JSON.stringify(dep.businessHours) : '');
  const [agentIds, setAgentIds] = React.useState(dep.agentIds.map(String));
  // empty: the server's default (the environment's LIVE_CHAT_RETENTION_* settings)
  const [retention, setRetention] = React.useState(dep.retentionDays === null ? '' : String(dep.retentionDays));
  const save = async () => {
    const retentionDays = retention.trim() === '' ? null : Number(retention);
    if (retentionDays !== null && !(Number.isInteger(retentionDays) && retentionDays >= 0 && retentionDays <= 36500)) {
      toggleNotification({ type: 'danger', message: tr('settings.retentionInvalid', 'Retention must be a whole number of days from 0 to 36500, or empty for the default.') });
      return;
    }
    let businessHours: DepartmentUpdate.Request['businessHours'] = null;
    if (hours.trim()) {
      try {
        businessHours = JSON.parse(hours);
      } catch {
        toggleNotification({ type: 'danger', message: tr('settings.hoursInvalid', 'Business hours must be valid JSON (see the example).') });
        return;
      }
    }
    try {
      const { data } = await put<DepartmentUpdate.Response>(`/live-chat/departments/${dep.id}`, { timezone, notificationEmail: email.trim() || null, businessHours, agentIds: agentIds.map(Number), retentionDays });
      onSaved(data.department);
      toggleNotification({ type: 'success', message: tr('settings.saved', 'Saved') });
    } catch (e) {
      toggleNotification({ type: 'danger', message: errorMessage(e) });
    }
  };
  return (
    <Box padding={4} background="neutral0" hasRadius shadow="tableShadow" tag="section" aria-label={dep.name}>
      <Typography variant="delta" tag="h3">{dep.name}</Typography>
      <Grid.Root gap={3} paddingTop={3}>
        <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
          <Field.Root name={`tz-${dep.id}`} hint="America/Sao_Paulo">
            <Field.Label>{tr('settings.timezone', 'Time zone')}</Field.Label>
            <TextInput value={timezone} maxLength={64} onChange={(e: React.ChangeEvent<HTMLInputElement>) => setTimezone(e.target.value)} />
            <Field.Hint />
          </Field.Root>
        </Grid.Item>
        <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
          <Field.Root name={`email-${dep.id}`} hint={tr('settings.notificationHint', 'Left messages are sent here; e-mail replies come back here.')}>
            <Field.Label>{tr('settings.notificationEmail', 'Notification address')}</Field.Label>
            <TextInput type="email" value={email} maxLength={254} onChange={(e: React.ChangeEvent<HTMLInputElement>) => setEmail(e.target.value)} />
            <Field.Hint />
          </Field.Root>
        </Grid.Item>
        <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
          <Field.Root name={`hours-${dep.id}`} hint={tr('settings.hoursHint', 'Empty: always open. JSON by weekday (mon … sun), each a list of ["HH:MM","HH:MM"] ranges.')}>
            <Field.Label>{tr('settings.hours', 'Business hours')}</Field.Label>
            <Textarea value={hours} placeholder='{"mon":[["09:00","18:00"]],"sat":[["09:00","12:00"]]}' onChange={(e: React.ChangeEvent<HTMLTextAreaElement>) => setHours(e.target.value)} />
            <Field.Hint />
          </Field.Root>
        </Grid.Item>
        <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
          <Field.Root name={`agents-${dep.id}`} hint={tr('settings.agentsHint', 'Super Admins serve every department.')}>
            <Field.Label>{tr('settings.agents', 'Agents serving it')}</Field.Label>
            <MultiSelect value={agentIds} onChange={(v: string[]) => setAgentIds(v)} withTags>
              {agents.map((a) => (
                <MultiSelectOption key={a.id} value={String(a.id)}>{`${a.name} <${a.email}>`}</MultiSelectOption>
              ))}
            </MultiSelect>
            <Field.Hint />
          </Field.Root>
        </Grid.Item>
        <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
          <Field.Root
            name={`retention-${dep.id}`}
            hint={tr('settings.retentionHint', 'Ended chats older than this are anonymised (names, e-mails, texts and files removed; figures and subjects kept). 0: kept forever. Empty: the default ({days}).', {
              days: dep.retentionDefaultDays > 0 ? tr('settings.retentionDays', '{n} days', { n: dep.retentionDefaultDays }) : tr('settings.retentionForever', 'kept forever'),
            })}
          >
            <Field.Label>{tr('settings.retention', 'Retention (days)')}</Field.Label>
            <TextInput type="number" min={0} max={36500} value={retention} onChange={(e: React.ChangeEvent<HTMLInputElement>) => setRetention(e.target.value)} />
            <Field.Hint />
          </Field.Root>
        </Grid.Item>
      </Grid.Root>
      <Flex justifyContent="flex-end" paddingTop={3}>
        <Button variant="secondary" onClick={save}>{tr('settings.saveDepartment', 'Save department')}</Button>
      </Flex>
    </Box>
  );
}

/** What the real-time core stores, for admins. */
const SettingsPage = () => {
  const { tr } = useT();
  const { get, put } = useFetchClient();
  const { toggleNotification } = useNotification();
  const { copy } = useClipboard();
  const [data, setData] = React.useState<ConsoleSettings.Response | null>(null);
  const [values, setValues] = React.useState<ConsoleSettingsValues | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [saving, setSaving] = React.useState(false);

  React.useEffect(() => {
    get<ConsoleSettings.Response>('/live-chat/settings')
      .then(({ data }) => {
        setData(data);
        setValues(data.settings);
      })
      .catch((e) => setError(errorMessage(e)));
  }, [get]);

  if (error) return <Page.Error />;
  if (!data || !values) return <Page.Loading />;
  const snippet = `<script src="${backendURL()}/widget.js" data-server="${backendURL()}" data-locale="pt-BR" async></script>`;
  const save = async () => {
    setSaving(true);
    try {
      const { data: saved } = await put<ConsoleSettings.Response>('/live-chat/settings', values);
      setData(saved);
      setValues(saved.settings);
      toggleNotification({ type: 'success', message: tr('settings.saved', 'Saved') });
    } catch (e) {
      toggleNotification({ type: 'danger', message: errorMessage(e) });
    } finally {
      setSaving(false);
    }
  };
  const labels: Record<(typeof NUMBERS)[number], [string, string]> = {
    gracePeriodSeconds: [tr('settings.grace', 'Grace period (seconds)'), tr('settings.graceHint', 'A reload or network blip within it does not end the chat.')],
    waitingLimitSeconds: [tr('settings.waitingLimit', 'Waiting before offering to leave a message (seconds)'), tr('settings.zeroNever', '0 = never')],
    idleSeconds: [tr('settings.idle', 'Idle time before closing (seconds)'), tr('settings.zeroNever', '0 = never')],
    agentCap: [tr('settings.cap', 'Active chats per agent'), tr('settings.zeroNoLimit', '0 = no limit')],
    postCloseWindowSeconds: [tr('settings.postClose', 'Rating and transcript window after closing (seconds)'), ''],
  };
  return (
    <Page.Main>
      <Page.Title>{tr('settings.title', 'Live chat settings')}</Page.Title>
      <Layouts.Header
        title={tr('settings.title', 'Live chat settings')}
        primaryAction={
          <Button onClick={save} loading={saving}>
            {tr('settings.save', 'Save')}
          </Button>
        }
      />
      <PluginNav />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={4}>
          <Box padding={4} background="neutral0" hasRadius shadow="tableShadow" tag="section">
            <Typography variant="delta" tag="h2">{tr('settings.timers', 'Timers and limits')}</Typography>
            <Grid.Root gap={4} paddingTop={3}>
              {NUMBERS.map((k) => (
                <Grid.Item key={k} col={4} s={12} direction="column" alignItems="stretch">
                  <Field.Root name={k} hint={labels[k][1]}>
                    <Field.Label>{labels[k][0]}</Field.Label>
                    <TextInput type="number" min={0} value={String(values[k])} onChange={(e: React.ChangeEvent<HTMLInputElement>) => setValues({ ...values, [k]: Math.max(0, Math.floor(Number(e.target.value) || 0)) })} />
                    <Field.Hint />
                  </Field.Root>
                </Grid.Item>
              ))}
            </Grid.Root>
            <Box paddingTop={4}>
              <Field.Root name="privacyNotice" hint={tr('settings.privacyHint', 'Shown on the start form (at most 1000 characters).')}>
                <Field.Label>{tr('settings.privacy', 'Privacy notice')}</Field.Label>
                <Textarea value={values.privacyNotice} maxLength={1000} onChange={(e: React.ChangeEvent<HTMLTextAreaElement>) => setValues({ ...values, privacyNotice: e.target.value })} />
                <Field.Hint />
              </Field.Root>
            </Box>
          </Box>

          <Box padding={4} background="neutral0" hasRadius shadow="tableShadow" tag="section">
            <Typography variant="delta" tag="h2">{tr('settings.files', 'Files')}</Typography>
            <Grid.Root gap={4} paddingTop={3}>
              <Grid.Item col={4} s={12} direction="column" alignItems="stretch">
                <Field.Root name="maxBytes" hint={tr('settings.maxHint', 'At most {max} (the configuration’s ceiling).', { max: formatBytes(data.uploadCeiling.maxBytes) })}>
                  <Field.Label>{tr('settings.maxSize', 'Largest file (MB)')}</Field.Label>
                  <TextInput
                    type="number"
                    min={0.1}
                    step={0.1}
                    max={data.uploadCeiling.maxBytes / 1048576}
                    value={String(+(values.upload.maxBytes / 1048576).toFixed(2))}
                    onChange={(e: React.ChangeEvent<HTMLInputElement>) => setValues({ ...values, upload: { ...values.upload, maxBytes: Math.round(Number(e.target.value) * 1048576) || 1 } })}
                  />
                  <Field.Hint />
                </Field.Root>
              </Grid.Item>
              <Grid.Item col={8} s={12} direction="column" alignItems="stretch">
                <Typography variant="pi" fontWeight="bold">{tr('settings.types', 'Allowed types')}</Typography>
                <Flex gap={3} wrap="wrap" paddingTop={2}>
                  {data.uploadCeiling.extensions.map((ext) => (
                    <Checkbox
                      key={ext}
                      checked={values.upload.extensions.includes(ext)}
                      onCheckedChange={(v: boolean | 'indeterminate') =>
                        setValues({ ...values, upload: { ...values.upload, extensions: v === true ? [...values.upload.extensions, ext] : values.upload.extensions.filter((e) => e !== ext) } })
                      }
                    >
                      {ext}
                    </Checkbox>
                  ))}
                </Flex>
              </Grid.Item>
            </Grid.Root>
          </Box>

          <Box padding={4} background="neutral0" hasRadius shadow="tableShadow" tag="section">
            <Typography variant="delta" tag="h2">{tr('settings.embed', 'Widget')}</Typography>
            <Box paddingTop={3}>
              <Typography variant="pi" fontWeight="bold">{tr('settings.snippet', 'Embed snippet')}</Typography>
              <Flex gap={2} paddingTop={2}>
                <Box padding={2} background="neutral100" hasRadius flex="1">
                  <code data-testid="snippet">{snippet}</code>
                </Box>
                <Button
                  variant="secondary"
                  onClick={async () => {
                    if (await copy(snippet)) toggleNotification({ type: 'success', message: tr('settings.copied', 'Copied') });
                  }}
                >
                  {tr('settings.copy', 'Copy')}
                </Button>
              </Flex>
              <Box paddingTop={3}>
                <Typography variant="pi" fontWeight="bold">{tr('settings.origins', 'Allowed embedding origins')}</Typography>
                <Typography tag="p">{data.origins.join(', ')}</Typography>
                <Typography variant="pi" textColor="neutral600">{tr('settings.originsHint', 'Set by LIVE_CHAT_ORIGINS in the server’s environment.')}</Typography>
              </Box>
            </Box>
          </Box>

          <Typography variant="beta" tag="h2">{tr('settings.departments', 'Departments')}</Typography>
          {data.departments.map((d) => (
            <DepartmentCard key={d.id} dep={d} agents={data.agents} onSaved={(saved) => setData({ ...data, departments: data.departments.map((x) => (x.id === saved.id ? saved : x)) })} />
          ))}
        </Flex>
      </Layouts.Content>
    </Page.Main>
  );
};

export default SettingsPage;
