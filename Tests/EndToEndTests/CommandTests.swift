import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

@Suite("refresh progress, status and opml, end to end")
struct CommandTests {
    @Test("Without a terminal, refresh writes no progress bar: no carriage returns, no escape codes")
    func noBarWithoutTerminal() async throws {
        let site = try SeedSite()
        let run = try await runFinewsAsync(["refresh", "--config", "feeds.conf"], in: site.folder)
        #expect(run.status == 0)
        #expect(run.stderr.isEmpty, "stderr: \(run.stderr)")
        #expect(!run.stdout.contains("\r") && !run.stdout.contains("\u{1B}"))
    }

    @Test("Only the commands that fetch load libcurl: without a usable one, check runs and refresh says what is missing")
    func withoutLibcurl() async throws {
        let site = try SeedSite()
        // A file named libcurl.so.4 that is not a library, found first by the loader.
        let libraries = site.url("broken-libs")
        try FileManager.default.createDirectory(at: libraries, withIntermediateDirectories: true)
        try Data("not a shared object".utf8).write(to: libraries.appendingPathComponent("libcurl.so.4"))
        let environment = ["LD_LIBRARY_PATH": libraries.path]
        let check = try await runFinews(["check", "--config", "feeds.conf"], in: site.folder, environment: environment)
        #expect(check.status == 0, "stderr: \(check.stderr)")
        #expect(check.stdout.contains("ok, 1 feed"))
        let refresh = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder, environment: environment)
        #expect(refresh.status == 1, "stderr: \(refresh.stderr)")
        #expect(refresh.stderr.contains("cannot load libcurl.so.4"), "stderr: \(refresh.stderr)")
        #expect(refresh.stderr.contains("install libcurl4"))
        #expect(site.publishedFiles().isEmpty, "nothing is written when nothing could be fetched")
        // With the system's libcurl the same site refreshes.
        let again = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
        #expect(again.status == 0, "stderr: \(again.stderr)")
        #expect(again.stdout.contains("1 new post"))
    }

    @Test("On a terminal, refresh draws a bar on standard error and erases it; --quiet draws none",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func barOnTerminal() async throws {
        let site = try SeedSite()
        try site.writeConfig("all.conf", feeds: [("rss", "rss.xml"), ("atom", "atom.xml"), ("gb", "rss-gb18030.xml")])
        // script(1) runs the command on a pseudo-terminal and copies what it shows.
        let command = "'\(finewsBinary.path)' refresh --config all.conf"
        let shown = try await runScript(command, in: site.folder)
        #expect(shown.contains("\r\u{1B}[2Kfinews: [####################] 3/3 feeds, 1 new post"), "\(shown.debugDescription)")
        #expect(shown.contains("finews: 3 feeds ok, 0 failed; 1 new post"))
        // The summary line starts on a clean line: the bar was erased before it.
        #expect(shown.contains("\r\u{1B}[2Kfinews: 3 feeds ok"))
        let quiet = try await runScript("'\(finewsBinary.path)' refresh --config all.conf --quiet", in: site.folder)
        #expect(!quiet.contains("\u{1B}") && !quiet.contains("feeds"), "\(quiet.debugDescription)")
    }

    private func runScript(_ command: String, in folder: URL) async throws -> String {
        let log = folder.appendingPathComponent("typescript-\(UUID().uuidString)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", command, log.path]
        process.currentDirectoryURL = folder
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        #expect(await waitUntil(timeout: .seconds(30)) { !process.isRunning })
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let text = String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self)
        // script(1) writes a header line and a footer line of its own.
        return text
    }

    @Test("status before any check: every feed never checked and due now; --json says the same")
    func statusBeforeChecks() async throws {
        let site = try SeedSite()
        let table = try await runFinewsAsync(["status", "--config", "feeds.conf"], in: site.folder)
        #expect(table.status == 0, "stderr: \(table.stderr)")
        #expect(table.stdout.contains("taheribao  15m (config)  never"), "\(table.stdout)")
        #expect(table.stdout.contains("1 feed: 0 ok, 0 failing, 1 never checked; 0 posts written; next check now"))
        #expect(!FileManager.default.fileExists(atPath: site.url("out/.finews/state.sqlite").path))
        let json = try await runFinewsAsync(["status", "--config", "feeds.conf", "--json"], in: site.folder)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let feeds = try #require(object["feeds"] as? [[String: Any]])
        #expect(feeds.first?["lastCheck"] is NSNull)
        #expect(feeds.first?["interval"] as? Int == 900)
        let totals = try #require(object["totals"] as? [String: Any])
        #expect(totals["neverChecked"] as? Int == 1)
    }

    @Test("status after a refresh: result, HTTP status of a file (none), posts written; the refresh's due time")
    func statusAfterRefresh() async throws {
        let site = try SeedSite()
        _ = try await runFinewsAsync(["refresh", "--config", "feeds.conf"], in: site.folder)
        let table = try await runFinewsAsync(["status", "--config", "feeds.conf"], in: site.folder)
        let row = try #require(table.stdout.split(separator: "\n").first { $0.hasPrefix("taheribao") })
        let cells = row.split(separator: "  ", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(cells.count == 7, "\(table.stdout)")
        #expect(cells[1] == "15m (config)")
        #expect(cells[2] == "just now" || cells[2].hasSuffix("s ago"))
        #expect(cells[3] == "ok")
        #expect(cells[6] == "1")
        #expect(table.stdout.contains("1 feed: 1 ok, 0 failing, 0 never checked; 1 post written; next check in 1"),
                "\(table.stdout)")
    }

    @Test("opml import appends feeds to feeds.conf keeping its comments; export prints OPML 2.0 that imports back")
    func opml() async throws {
        let site = try SeedSite()
        let before = try String(decoding: site.read("feeds.conf"), as: UTF8.self)
        try site.write("list.opml", """
            <?xml version="1.0" encoding="UTF-8"?>
            <opml version="2.0"><head><title>Subscriptions</title></head><body>
              <outline text="Tech">
                <outline text="Ars &amp; Co" type="rss" xmlUrl="https://ars.example/feed"/>
                <outline text="新华网" type="rss" xmlUrl="http://xinhua.example/rss.xml"/>
              </outline>
              <outline text="Again" xmlUrl="https://ars.example/feed"/>
            </body></opml>
            """)
        let imported = try await runFinewsAsync(["opml", "import", "--config", "feeds.conf", "list.opml"], in: site.folder)
        #expect(imported.status == 0, "stderr: \(imported.stderr)")
        #expect(imported.stdout.contains("added ars-co  https://ars.example/feed"))
        #expect(imported.stdout.contains("added xin-hua-wang  http://xinhua.example/rss.xml"))
        #expect(imported.stderr.contains("skipped https://ars.example/feed: listed twice in list.opml"))
        let after = try String(decoding: site.read("feeds.conf"), as: UTF8.self)
        #expect(after.hasPrefix(before))
        #expect(after.contains("[[feed]]\nname = \"xin-hua-wang\"\nurl = \"http://xinhua.example/rss.xml\"\ntag = \"新华网\"\n"))
        let check = try await runFinewsAsync(["check", "--config", "feeds.conf"], in: site.folder)
        #expect(check.status == 0)
        #expect(check.stdout.contains("ok, 3 feeds"))

        let again = try await runFinewsAsync(["opml", "import", "--config", "feeds.conf", "list.opml"], in: site.folder)
        #expect(again.stdout.contains("0 feeds added, 3 skipped"))
        #expect(again.stderr.contains("already configured as 'ars-co'"))

        let exported = try await runFinewsAsync(["opml", "export", "--config", "feeds.conf"], in: site.folder)
        #expect(exported.status == 0)
        #expect(exported.stderr == "finews: left out 1 local-file feed: taheribao\n")
        #expect(exported.stdout.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">"))
        #expect(exported.stdout.contains(
            "<outline text=\"Ars &amp; Co\" title=\"Ars &amp; Co\" type=\"rss\" xmlUrl=\"https://ars.example/feed\"/>"))
        let document = try XMLDocument(data: Data(exported.stdout.utf8))
        #expect(try document.nodes(forXPath: "/opml/body/outline[@type='rss']").count == 2)

        let notOPML = try await runFinewsAsync(["opml", "import", "--config", "feeds.conf", "rss.xml"], in: site.folder)
        #expect(notOPML.status == 2)
        #expect(notOPML.stderr.contains("rss.xml: not an OPML file (its root element is <rss>)"))
    }
}
