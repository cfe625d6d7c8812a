import { useState, type FormEvent } from 'react';
import { deleteGroup, isApiError, renameGroup, type GroupDetail } from '../../api';
import { navigate } from '../../app/router';
import { Alert } from '../../components/Alert';
import { Button } from '../../components/Button';
import { Field } from '../../components/Field';
import { Modal } from '../../components/Modal';
import { useSession } from '../../session/SessionContext';
import { checkGroupName } from './CreateGroupDialog';
import { GroupPictureEditor } from './GroupPictureEditor';
import { groupActions } from './rights';

/**
 * Group settings for its creator and admins: rename, picture, and (creator
 * only) deleting the group after a confirmation.
 */
export function GroupSettingsDialog({
  group,
  onClose,
  onChanged,
}: {
  group: GroupDetail;
  onClose: () => void;
  onChanged: () => void;
}) {
  const session = useSession();
  const can = groupActions(group.me);
  const [name, setName] = useState(group.name);
  const [nameError, setNameError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);
  const [notice, setNotice] = useState<{ tone: 'error' | 'success'; text: string } | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [deleting, setDeleting] = useState(false);

  async function rename(e: FormEvent) {
    e.preventDefault();
    const problem = checkGroupName(name);
    setNameError(problem);
    if (problem) return;
    setSaving(true);
    setNotice(null);
    try {
      const g = await renameGroup(session.api, group.id, name.trim());
      setName(g.name);
      setNotice({ tone: 'success', text: 'The group was renamed.' });
      onChanged();
    } catch (err) {
      if (isApiError(err) && err.fields['name']) setNameError(err.fields['name']);
      else setNotice({ tone: 'error', text: isApiError(err) ? err.message : 'Could not rename the group.' });
    } finally {
      setSaving(false);
    }
  }

  async function remove() {
    setDeleting(true);
    try {
      await deleteGroup(session.api, group.id);
      onClose();
      onChanged();
      navigate('/');
    } catch (err) {
      setDeleting(false);
      setNotice({ tone: 'error', text: isApiError(err) ? err.message : 'Could not delete the group.' });
    }
  }

  return (
    <Modal
      title="Group settings"
      description={group.name}
      onClose={onClose}
      className="profile group-settings"
      footer={
        <Button variant="primary" onClick={onClose}>
          Done
        </Button>
      }
    >
      {can.edit && <GroupPictureEditor group={group} onSaved={onChanged} />}
      <div className="profile-divider" />
      <form className="rename" onSubmit={(e) => void rename(e)} noValidate>
        <Field
          label="Group name"
          name="name"
          value={name}
          maxLength={64}
          autoComplete="off"
          error={nameError}
          onChange={(e) => {
            setName(e.target.value);
            if (nameError) setNameError(undefined);
          }}
        />
        <Button type="submit" variant="secondary" busy={saving} disabled={name.trim() === group.name}>
          Rename
        </Button>
      </form>
      {notice && <Alert tone={notice.tone}>{notice.text}</Alert>}
      {can.delete && (
        <>
          <div className="profile-divider" />
          <section className="danger-zone" aria-labelledby="danger-title">
            <h3 id="danger-title" className="profile-section-title">
              Delete group
            </h3>
            <p className="profile-muted">
              Removes the group and its members for everyone. This cannot be undone.
            </p>
            {confirmDelete ? (
              <div className="confirm" role="group" aria-label="Confirm deleting">
                <p className="confirm-text">
                  Delete <strong>{group.name}</strong> for all {group.memberCount}{' '}
                  {group.memberCount === 1 ? 'member' : 'members'}?
                </p>
                <div className="confirm-actions">
                  <Button variant="quiet" size="sm" onClick={() => setConfirmDelete(false)}>
                    Keep it
                  </Button>
                  <Button variant="danger" size="sm" busy={deleting} onClick={() => void remove()}>
                    Delete forever
                  </Button>
                </div>
              </div>
            ) : (
              <div>
                <Button variant="danger" size="sm" onClick={() => setConfirmDelete(true)}>
                  Delete group…
                </Button>
              </div>
            )}
          </section>
        </>
      )}
    </Modal>
  );
}
