import { useState } from 'react';
import { displayName, type Me } from '../../api';
import { Button } from '../../components/Button';
import { Modal } from '../../components/Modal';
import { useSession } from '../../session/SessionContext';
import { ChangePasswordForm } from './ChangePasswordForm';
import { DisplayNameForm } from './DisplayNameForm';
import { ReceiptsForm } from './ReceiptsForm';
import { PictureEditor } from './PictureEditor';
import './ProfileDialog.css';

/** The signed-in user's profile: picture, display name, password, and signing out. */
export function ProfileDialog({ me, onClose }: { me: Me; onClose: () => void }) {
  const session = useSession();
  const [signingOut, setSigningOut] = useState(false);

  return (
    <Modal
      title="Profile"
      description={
        <>
          Signed in as <strong>{displayName(me)}</strong>
          {me.displayName ? ` (@${me.username})` : ''} · {me.email}
        </>
      }
      onClose={onClose}
      className="profile"
      footer={
        <>
          <Button
            variant="danger"
            busy={signingOut}
            onClick={() => {
              setSigningOut(true);
              void session.signOut();
            }}
          >
            Sign out
          </Button>
          <Button variant="primary" onClick={onClose}>
            Done
          </Button>
        </>
      }
    >
      <PictureEditor me={me} />
      <div className="profile-divider" />
      <DisplayNameForm me={me} />
      <div className="profile-divider" />
      <ReceiptsForm />
      <div className="profile-divider" />
      <ChangePasswordForm me={me} />
    </Modal>
  );
}
