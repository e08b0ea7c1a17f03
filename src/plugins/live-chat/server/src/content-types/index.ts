import agentPresence from './agent-presence/schema.json';

export default {
  'agent-presence': { schema: agentPresence },
};
