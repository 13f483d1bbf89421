import { archiveReaderContract } from '../../../test/contract/archive-reader.contract.ts';
import { TarZipArchiveReader } from './archive-reader.tar-zip.ts';

archiveReaderContract('TarZipArchiveReader', () => new TarZipArchiveReader());
