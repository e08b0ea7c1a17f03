import validText from './valid-text';

export default { 'valid-text': validText };
