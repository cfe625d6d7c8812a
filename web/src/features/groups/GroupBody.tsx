import type { GroupDetail } from '../../api';
import { ChatIcon } from './icons';

/**
 * The body of a group: the slot where the conversation goes. Until messages
 * exist it says so.
 */
export function GroupBody({ group }: { group: GroupDetail }) {
  return (
    <div className="groupview-body">
      <div className="groupview-soon">
        <span className="empty-icon" aria-hidden="true">
          <ChatIcon />
        </span>
        <p className="empty-title">Messages arrive soon</p>
        <p className="empty-text">
          {group.name} is ready. Chat and calls for its {group.memberCount}{' '}
          {group.memberCount === 1 ? 'member' : 'members'} are coming to this server next.
        </p>
      </div>
    </div>
  );
}
