@testable import FinewsDaemon
import Foundation
import Glibc
import Testing

@Suite("Cycle lock")
struct CycleLockTests {
    private func lockPath() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("finews-lock-\(UUID().uuidString)")
    }

    @Test("A second holder without waiting fails fast, naming the pid")
    func busy() async throws {
        let path = lockPath()
        defer { try? FileManager.default.removeItem(at: path) }
        let first = try await CycleLock.acquire(at: path, wait: false)
        await #expect {
            try await CycleLock.acquire(at: path, wait: false)
        } throws: { error in
            guard let error = error as? RefreshError else { return false }
            return error.code == .lockBusy && error.message.contains("pid \(getpid())")
        }
        withExtendedLifetime(first) {}
    }

    @Test("A waiting holder gets the lock once it is released, and is told who holds it")
    func waits() async throws {
        let path = lockPath()
        defer { try? FileManager.default.removeItem(at: path) }
        var first: CycleLock? = try await CycleLock.acquire(at: path, wait: false)
        let told = Recorder<String>()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                let second = try await CycleLock.acquire(at: path, wait: true, onWait: { holder in
                    told.append(holder)
                })
                withExtendedLifetime(second) {}
            }
            try await Task.sleep(for: .milliseconds(100))
            #expect(told.values == ["pid \(getpid())"])
            withExtendedLifetime(first) {}
            first = nil
            try await group.waitForAll()
        }
    }

    @Test("A stop request ends the wait")
    func stopped() async throws {
        let path = lockPath()
        defer { try? FileManager.default.removeItem(at: path) }
        let first = try await CycleLock.acquire(at: path, wait: false)
        let stop = StopRequest()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await #expect {
                    try await CycleLock.acquire(at: path, wait: true, stop: stop)
                } throws: { error in
                    (error as? RefreshError)?.code == .cancelled
                }
            }
            try await Task.sleep(for: .milliseconds(50))
            stop.request()
            try await group.waitForAll()
        }
        withExtendedLifetime(first) {}
    }
}
