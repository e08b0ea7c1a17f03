import widget from './widget';
import files from './files';
import visitor from './visitor';
import console from './console';

export default { files, widget, visitor, console };
