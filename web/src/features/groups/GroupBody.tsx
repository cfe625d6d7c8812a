import type { GroupDetail } from '../../api';
import { CallBanner } from '../call/CallEntry';
import { Conversation } from '../chat/Conversation';

/** The body of a group: the banner of a call in progress, and its conversation (a fresh one per group). */
export function GroupBody({ group }: { group: GroupDetail }) {
  return (
    <div className="groupview-body groupview-chat">
      <CallBanner group={group} />
      <Conversation key={group.id} group={group} />
    </div>
  );
}
