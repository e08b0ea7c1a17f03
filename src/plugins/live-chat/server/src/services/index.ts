import settings from './settings';
import agents from './agents';
import chats from './chats';
import messages from './messages';
import notifier from './notifier';
import rateLimit from './rate-limit';
import sweeper from './sweeper';
import files from './files';
import mail from './mail';
import history from './history';
import replies from './replies';
import canned from './canned';
import consoleSettings from './console-settings';
import terms from './terms';
import analytics from './analytics';
import retention from './retention';

const services = {
  settings,
  agents,
  chats,
  messages,
  notifier,
  'rate-limit': rateLimit,
  sweeper,
  files,
  mail,
  history,
  replies,
  canned,
  'console-settings': consoleSettings,
  terms,
  analytics,
  retention,
};

export type Services = { [K in keyof typeof services]: ReturnType<(typeof services)[K]> };
export default services;
