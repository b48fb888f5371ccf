import { useEffect, useId, useState } from 'react';
import { useI18n } from '@/lib/i18n';

/** A file input for one image with a preview of the chosen file before it is uploaded. */
export function ImagePicker({ file, onChange }: { file: File | null; onChange: (file: File | null) => void }) {
  const { t } = useI18n();
  const id = useId();
  const [preview, setPreview] = useState<string | null>(null);
  useEffect(() => {
    if (!file) {
      setPreview(null);
      return;
    }
    const url = URL.createObjectURL(file);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);
  return (
    <div className="field image-picker">
      <label htmlFor={id}>{t('admin.image')}</label>
      <input id={id} name="image" type="file" accept="image/jpeg,image/png,image/webp,image/gif,image/avif" onChange={(e) => onChange(e.target.files?.[0] ?? null)} />
      {preview && <img src={preview} alt={t('admin.imagePreview')} width={160} height={160} className="image-preview" />}
    </div>
  );
}
