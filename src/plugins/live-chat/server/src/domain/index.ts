export * from './errors';
export * from './chat-machine';
export * from './queue';
export * from './eligibility';
export * from './business-hours';
export * from './validation';
export * from './mail';
export * from './console';
