export { exportStaticSite, type ExportOptions, type ExportResult } from './export-static-site.js';
export { startBackupExporter, type BackupExporter, type BackupExporterOptions } from './backup-exporter.js';
