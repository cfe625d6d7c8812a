import type { GroupDetail } from '../../api';
import { Conversation } from '../chat/Conversation';

/** The body of a group: its conversation (a fresh one per group). */
export function GroupBody({ group }: { group: GroupDetail }) {
  return (
    <div className="groupview-body groupview-chat">
      <Conversation key={group.id} group={group} />
    </div>
  );
}
