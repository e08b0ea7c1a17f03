import agentPresence from './agent-presence/schema.json';
import cannedResponse from './canned-response/schema.json';

export default {
  'agent-presence': { schema: agentPresence },
  'canned-response': { schema: cannedResponse },
};
