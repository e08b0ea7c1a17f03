import widget from './widget';
import files from './files';
import visitor from './visitor';

export default { files, widget, visitor };
