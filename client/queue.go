package client

import (
	"context"
	"sync"
)

// queue is an unbounded FIFO that never blocks its producer: the reader
// goroutine must keep reading the server whatever the UI is doing (a
// server drops a connection whose send queue overflows), and the UI must
// never wait on the network.
type queue[T any] struct {
	mu     sync.Mutex
	items  []T
	signal chan struct{} // holds a token while items is not empty
}

func newQueue[T any]() *queue[T] { return &queue[T]{signal: make(chan struct{}, 1)} }

func (q *queue[T]) push(items ...T) {
	q.mu.Lock()
	q.items = append(q.items, items...)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// take waits until the queue holds something and returns all of it.
func (q *queue[T]) take(ctx context.Context) ([]T, error) {
	for {
		q.mu.Lock()
		items := q.items
		q.items = nil
		q.mu.Unlock()
		if len(items) > 0 {
			return items, nil
		}
		select {
		case <-q.signal:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
