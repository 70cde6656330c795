@testable import FinewsFetch
import Synchronization
import Testing

@Suite("Fetch windows: a batch whose window is full waits, others go ahead")
struct FetchWindowTests {
    @Test("A held-back batch's jobs wait while another batch's job for the same host starts, in order")
    func heldBack() {
        var queue = TransferQueue<Int>(concurrency: 8, perHost: 8)
        for item in 0..<3 { queue.enqueue(.init(batch: 1, host: "h", item: item)) }
        queue.enqueue(.init(batch: 2, host: "h", item: 10))
        queue.enqueue(.init(batch: 2, host: "h", item: 11))
        #expect(queue.next { $0 != 1 }?.item == 10)
        #expect(queue.next { $0 != 1 }?.item == 11)
        #expect(queue.next { $0 != 1 } == nil, "only batch 1 is left, and it is held back")
        #expect(queue.next()?.item == 0, "its order is kept once it may start")
        #expect(queue.next()?.item == 1)
        #expect(queue.next()?.item == 2)
        #expect(queue.next() == nil)
    }

    @Test("Each release that frees a full window calls the handler once, however many came before")
    func manyReleases() {
        // A closure kept in the generic Mutex came back wrapped in one more thunk at
        // each release, so the n-th release ran n thunks deep (quadratic over a
        // cycle; a stack overflow here).
        let window = FetchWindow(size: 1)
        let calls = Atomic<Int>(0)
        window.onRelease { calls.add(1, ordering: .relaxed) }
        for _ in 0..<300_000 {
            window.acquire()
            window.release()
        }
        #expect(calls.load(ordering: .relaxed) == 300_000)
    }

    @Test("A release into a window that had room does not wake the fetcher; one that frees a full window does")
    func wakesOnlyWhenFull() {
        let window = FetchWindow(size: 3)
        let calls = Atomic<Int>(0)
        window.onRelease { calls.add(1, ordering: .relaxed) }
        window.acquire()
        window.acquire()
        window.release()
        #expect(calls.load(ordering: .relaxed) == 0, "the window never filled: the fetcher was not held back")
        window.acquire()
        window.acquire()
        #expect(!window.hasRoom)
        window.release()
        #expect(calls.load(ordering: .relaxed) == 1, "the fetcher may be waiting for this room")
        window.release()
        window.release()
        #expect(calls.load(ordering: .relaxed) == 1, "room was already there")
        #expect(window.hasRoom)
    }

    @Test("A window counts started transfers against released ones")
    func window() {
        let window = FetchWindow(size: 2)
        #expect(window.hasRoom)
        window.acquire()
        window.acquire()
        #expect(!window.hasRoom)
        window.release()
        #expect(window.hasRoom)
    }
}
