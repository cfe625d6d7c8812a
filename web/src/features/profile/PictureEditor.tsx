import { displayName, removePicture, uploadPicture, type Me } from '../../api';
import { PictureEditor as SharedPictureEditor, type PictureEditorTexts } from '../../components/PictureEditor';
import { useSession } from '../../session/SessionContext';

export { acceptedTypes, checkPictureFile, maxPictureBytes, uploadErrorMessage } from '../../components/PictureEditor';

const texts: PictureEditorTexts = {
  title: 'Profile picture',
  hint: 'PNG, JPEG, GIF or WebP, up to 5 MB. Everyone in your groups sees it.',
  previewAlt: 'Preview of your new picture',
  currentAlt: 'Your profile picture',
  saved: 'Your new picture is saved.',
  removed: 'Your picture was removed.',
};

/**
 * The profile picture: shows the current one (or initials), previews a
 * chosen file before anything is sent, uploads it with a progress bar, and
 * removes it. The session's user is updated after each change.
 */
export function PictureEditor({ me }: { me: Me }) {
  const session = useSession();
  return (
    <SharedPictureEditor
      name={displayName(me)}
      colorKey={me.username}
      pictureUrl={me.pictureUrl}
      texts={texts}
      fileIcon
      upload={(req) => uploadPicture(req)}
      onUploaded={(updated) => session.updateMe(updated)}
      remove={() => removePicture(session.api)}
      onRemoved={() => session.updateMe({ ...me, pictureUrl: null })}
    />
  );
}
