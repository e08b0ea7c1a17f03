import contentApi from './content-api';
import admin from './admin';
import analytics from './admin/analytics';

export default {
  'content-api': contentApi,
  admin,
  // a second admin router: the analytics endpoints (issue 8)
  analytics,
};
