@testable import FinewsDaemon
@testable import FinewsConfig
import Foundation
import TestSupport
import Testing

@Suite("sd_notify", .serialized)
struct SystemdNotifierTests {
    @Test("Messages arrive in order on a path socket and on an abstract one", arguments: [false, true])
    func messages(abstract: Bool) throws {
        let listener = try DatagramListener(abstract: abstract)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address])
        #expect(notifier.isEnabled)
        notifier.ready(status: "started; 2 feeds")
        notifier.status("last cycle:\nsplit line")
        notifier.reloading()
        notifier.watchdog()
        notifier.stopping()
        #expect(listener.receive() == "READY=1\nSTATUS=started; 2 feeds")
        #expect(listener.receive() == "STATUS=last cycle: split line")
        let reloading = try #require(listener.receive())
        #expect(reloading.hasPrefix("RELOADING=1\nMONOTONIC_USEC="))
        #expect(Int(reloading.split(separator: "=").last ?? "") ?? 0 > 0)
        #expect(listener.receive() == "WATCHDOG=1")
        #expect(listener.receive() == "STOPPING=1")
    }

    @Test("Without NOTIFY_SOCKET, or with an unusable one, nothing is sent and nothing fails", arguments: [
        [:], ["NOTIFY_SOCKET": ""], ["NOTIFY_SOCKET": "relative/path"], ["NOTIFY_SOCKET": "@"],
        ["NOTIFY_SOCKET": "/" + String(repeating: "x", count: 200)],
    ])
    func disabled(environment: [String: String]) {
        let notifier = SystemdNotifier(environment: environment)
        #expect(!notifier.isEnabled)
        #expect(!notifier.send("READY=1"))
    }

    @Test("A socket nobody listens on fails quietly")
    func nobodyListens() {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent/notify.sock"])
        #expect(notifier.isEnabled)
        #expect(!notifier.send("READY=1"))
    }

    @Test("The watchdog interval is half of WATCHDOG_USEC, for this process only", arguments: [
        (["WATCHDOG_USEC": "20000000"], Duration?.some(.seconds(10))),
        (["WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "4242"], .some(.seconds(10))),
        (["WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "4243"], nil),
        (["WATCHDOG_USEC": "0"], nil),
        (["WATCHDOG_USEC": "soon"], nil),
        ([:], nil),
    ] as [([String: String], Duration?)])
    func watchdog(environment: [String: String], interval: Duration?) {
        #expect(SystemdNotifier(environment: environment, pid: 4242).watchdogInterval == interval)
    }
}
