import widget from './widget';
import files from './files';
import visitor from './visitor';
import console from './console';
import analytics from './analytics';
import privacy from './privacy';

export default { files, widget, visitor, console, analytics, privacy };
