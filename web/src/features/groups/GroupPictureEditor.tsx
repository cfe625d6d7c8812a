import { useState } from 'react';
import { removeGroupPicture, uploadGroupPicture, type Group } from '../../api';
import { PictureEditor, type PictureEditorTexts } from '../../components/PictureEditor';
import { useSession } from '../../session/SessionContext';
import '../profile/ProfileDialog.css';

const texts: PictureEditorTexts = {
  title: 'Group picture',
  hint: 'PNG, JPEG, GIF or WebP, up to 5 MB. Every member sees it.',
  previewAlt: 'Preview of the new group picture',
  currentAlt: 'The group picture',
  saved: 'The group picture is saved.',
  removed: 'The group picture was removed.',
};

/**
 * The group's picture, as the profile picture works: preview a chosen file,
 * upload it with a progress bar, or remove the current one. onSaved gets the
 * new picture URL (null once removed).
 */
export function GroupPictureEditor({ group, onSaved }: { group: Group; onSaved: (pictureUrl: string | null) => void }) {
  const session = useSession();
  const [current, setCurrent] = useState(group.pictureUrl);
  return (
    <PictureEditor
      name={group.name}
      pictureUrl={current}
      texts={texts}
      upload={(req) => uploadGroupPicture({ ...req, groupId: group.id })}
      onUploaded={(updated) => {
        setCurrent(updated.pictureUrl);
        onSaved(updated.pictureUrl);
      }}
      remove={() => removeGroupPicture(session.api, group.id)}
      onRemoved={() => {
        setCurrent(null);
        onSaved(null);
      }}
    />
  );
}
