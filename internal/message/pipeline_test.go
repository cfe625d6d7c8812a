package message

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/group/groupevent"
	"github.com/parleychat/parley/internal/outbox"
	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/sqlstore"
)

// collector is a broadcast subscriber of the messages topic.
type collector struct {
	mu     sync.Mutex
	events []event.Event
}

func (c *collector) handle(_ context.Context, e event.Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, e)
	return nil
}

func (c *collector) ofType(typ string) []event.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []event.Event
	for _, e := range c.events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// TestSubmittedEventsFlowThroughTheBusOnceEach runs the role as the node
// wires it on the memory bus: the sequencer and the projection as
// consumer groups, the outbox relay publishing to the messages topic, and
// a broadcast subscriber standing in for ws.
func TestSubmittedEventsFlowThroughTheBusOnceEach(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		bus := event.NewMemBus(event.MemOptions{})
		t.Cleanup(func() { bus.Close() })
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		relay := outbox.NewRelay(db, bus, outbox.Options{Name: "message", PollInterval: 20 * time.Millisecond})
		e.svc.notify = relay.Notify
		relayDone := make(chan struct{})
		go func() { defer close(relayDone); _ = relay.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-relayDone })
		var ws collector
		for _, s := range []event.Subscription{
			{Topic: TopicSubmitted, Group: ConsumerGroup, Handler: e.svc.HandleSubmitted},
			{Topic: groupevent.Topic, Group: ConsumerGroup, Handler: e.svc.HandleGroupEvent},
			{Topic: Topic, Handler: ws.handle},
		} {
			if err := bus.Subscribe(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		g, ada := newUUID(), newUUID()
		joined := groupEvent(t, groupevent.TypeMemberAdded, g, groupevent.MemberChanged{GroupID: g, Member: groupevent.Member{UserID: ada, Role: rights.RoleCreator, Rights: rights.All}})
		if err := bus.Publish(ctx, groupevent.Topic, joined); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the projection", func() bool {
			_, err := e.svc.store.member(ctx, db, g, ada)
			return err == nil
		})
		first := submitted(t, Submitted{GroupID: g, AuthorID: ada, ClientMsgID: "a", Text: "one"})
		second := submitted(t, Submitted{GroupID: g, AuthorID: ada, ClientMsgID: "b", Text: "two"})
		stranger := submitted(t, Submitted{GroupID: g, AuthorID: newUUID(), ClientMsgID: "c", Text: "intruder"})
		stranger.OccurredAt = stranger.OccurredAt.Add(-time.Minute) // past the membership grace
		if err := bus.Publish(ctx, TopicSubmitted, first, first, second, stranger, second); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "two messages and one rejection", func() bool {
			return len(ws.ofType(EventCreated)) >= 2 && len(ws.ofType(EventRejected)) >= 1
		})
		time.Sleep(100 * time.Millisecond) // let any duplicate show up
		created := ws.ofType(EventCreated)
		if len(created) != 2 || len(ws.ofType(EventRejected)) != 1 {
			t.Fatalf("%d created and %d rejected, want 2 and 1", len(created), len(ws.ofType(EventRejected)))
		}
		for i, ev := range created {
			var c Created
			if err := ev.Decode(&c); err != nil {
				t.Fatal(err)
			}
			if c.Message.Seq != int64(i+1) || c.Message.AuthorID != ada || ev.Key != g {
				t.Fatalf("created %d: %+v (key %s)", i, c.Message, ev.Key)
			}
		}
	})
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
