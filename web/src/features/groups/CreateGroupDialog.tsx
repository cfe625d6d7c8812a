import { useState, type FormEvent } from 'react';
import { createGroup, isApiError } from '../../api';
import { navigate } from '../../app/router';
import { Alert } from '../../components/Alert';
import { Button } from '../../components/Button';
import { Field } from '../../components/Field';
import { Modal } from '../../components/Modal';
import { useSession } from '../../session/SessionContext';
import { useGroups } from './GroupsContext';

/** Why a group name is not accepted (API.md: 1–64 characters), or undefined. */
export function checkGroupName(name: string): string | undefined {
  const n = [...name.trim()].length;
  if (n === 0) return 'Give the group a name.';
  if (n > 64) return 'Keep the name to 64 characters or fewer.';
  return undefined;
}

/** "New group": a name, then the new group opens. */
export function CreateGroupDialog({ onClose }: { onClose: () => void }) {
  const session = useSession();
  const { upsertGroup, refresh } = useGroups();
  const [name, setName] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const problem = checkGroupName(name);
    setError(problem);
    if (problem) return;
    setBusy(true);
    setFailure(null);
    try {
      const group = await createGroup(session.api, name.trim());
      upsertGroup(group);
      void refresh();
      onClose();
      navigate(`/g/${group.id}`);
    } catch (err) {
      setBusy(false);
      if (isApiError(err) && err.fields['name']) setError(err.fields['name']);
      else setFailure(isApiError(err) ? err.message : 'Could not create the group.');
    }
  }

  return (
    <Modal
      title="New group"
      description="A place for a team, a family or a project. You can invite people next."
      onClose={onClose}
      footer={
        <>
          <Button variant="quiet" onClick={onClose}>
            Cancel
          </Button>
          <Button variant="primary" type="submit" form="create-group" busy={busy}>
            Create group
          </Button>
        </>
      }
    >
      <form id="create-group" className="stack" onSubmit={(e) => void submit(e)} noValidate>
        <Field
          label="Group name"
          name="name"
          value={name}
          maxLength={64}
          autoComplete="off"
          data-autofocus
          placeholder="e.g. Weekend hikers"
          error={error}
          hint="1–64 characters. You can change it later."
          onChange={(e) => {
            setName(e.target.value);
            if (error) setError(undefined);
          }}
        />
        {failure && <Alert tone="error">{failure}</Alert>}
      </form>
    </Modal>
  );
}
