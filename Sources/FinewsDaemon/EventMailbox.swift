import Synchronization

/// What the daemon asks of its scheduler between cycles.
public enum SchedulerEvent: Sendable, Hashable {
    /// Read feeds.conf again (SIGHUP).
    case reload
    /// Check every feed now (SIGUSR1).
    case refreshAll
}

/// A queue of ``SchedulerEvent``s posted from signal handlers and taken by the
/// scheduler, which waits on it with a deadline.
public final class EventMailbox: Sendable {
    private struct State {
        var queue: [SchedulerEvent] = []
        var waiter: (id: Int, continuation: CheckedContinuation<SchedulerEvent?, Never>)?
        var nextID = 0
    }

    private let state = Mutex(State())

    /// Creates an empty mailbox.
    public init() {}

    /// Queues `event`, waking the scheduler if it waits.
    public func post(_ event: SchedulerEvent) {
        let waiter = state.withLock { state -> CheckedContinuation<SchedulerEvent?, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter.continuation
            }
            state.queue.append(event)
            return nil
        }
        waiter?.resume(returning: event)
    }

    /// The next event, waiting at most `timeout` on `clock`; nil when the time ran
    /// out, `stop` was requested or the task was cancelled.
    public func next<C: Clock>(within timeout: Duration, clock: C, stop: StopRequest? = nil) async -> SchedulerEvent?
    where C.Duration == Duration {
        if let event = take() { return event }
        return await withTaskGroup(of: SchedulerEvent?.self) { group in
            group.addTask {
                try? await clock.sleep(for: timeout)
                return nil
            }
            if let stop {
                group.addTask {
                    await stop.wait()
                    return nil
                }
            }
            group.addTask { await self.wait() }
            var event = await group.next() ?? nil
            group.cancelAll()
            // An event taken just as the time ran out is kept, not lost.
            for await late in group where event == nil { event = late }
            return event
        }
    }

    private func take() -> SchedulerEvent? {
        state.withLock { state in state.queue.isEmpty ? nil : state.queue.removeFirst() }
    }

    /// Waits for one event; nil when cancelled. One waiter at a time.
    private func wait() async -> SchedulerEvent? {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<SchedulerEvent?, Never>) in
                let immediate = state.withLock { state -> SchedulerEvent?? in
                    if !state.queue.isEmpty { return .some(state.queue.removeFirst()) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiter = (id, continuation)
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<SchedulerEvent?, Never>? in
                guard let waiter = state.waiter, waiter.id == id else { return nil }
                state.waiter = nil
                return waiter.continuation
            }
            waiter?.resume(returning: nil)
        }
    }
}
