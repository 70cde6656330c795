import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `[hooks]`, `[metrics]` and `[post]` through the real binary: a hook that commits
/// into a real git repository and pushes to a bare one, a metrics textfile read by
/// Prometheus's own Python parser, `/metrics` scraped from `finews run`.
@Suite("Publishing: hooks, metrics, post options")
struct PublishingTests {
    // MARK: Hooks

    @Test("after_write commits the cycle's files into git and pushes them; a cycle that writes nothing runs no hook")
    func hookCommitsAndPushes() async throws {
        let site = try SeedSite()
        let remote = site.url("remote.git")
        let out = site.url("out")
        try await git(["init", "-q", "--bare", "-b", "main", remote.path], in: site.folder)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try await git(["init", "-q", "-b", "main"], in: out)
        try await git(["config", "user.name", "finews test"], in: out)
        try await git(["config", "user.email", "finews@test.invalid"], in: out)
        try await git(["remote", "add", "origin", remote.path], in: out)
        try Data(".finews/\n".utf8).write(to: out.appendingPathComponent(".gitignore"))
        try await git(["add", ".gitignore"], in: out)
        try await git(["commit", "-qm", "site"], in: out)
        try await git(["push", "-q", "origin", "main"], in: out)
        try site.write("feeds.conf", """
            [site]
            output = "out"
            base_url = "//finews.withounder.com"
            timezone = "Asia/Shanghai"

            [hooks]
            after_write = "git add -A && git commit -qm 'finews: {new} new, {updated} updated' && git push -q origin main"
            timeout = "30s"

            [[feed]]
            name = "taheribao"
            url = "rss.xml"
            tag = "漯河日报新闻"

            """)
        let first = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
        #expect(first.status == 0, "stderr: \(first.stderr)")
        #expect(!first.stderr.contains("hook failed"), "stderr: \(first.stderr)")
        let log = try await git(["--git-dir", remote.path, "log", "--format=%s", "main"], in: site.folder)
        #expect(log.split(separator: "\n") == ["finews: 1 new, 0 updated", "site"])
        let files = try await git(["--git-dir", remote.path, "ls-tree", "-r", "--name-only", "main"], in: site.folder)
        #expect(files.split(separator: "\n").sorted() == [
            ".gitignore", "_posts/2022-03-02-NW202203022293518924.md", "category/taheribao.html",
        ])
        // The pushed post is the reference post, byte for byte.
        let pushed = try await git(["--git-dir", remote.path, "show", "main:_posts/2022-03-02-NW202203022293518924.md"],
                                   in: site.folder)
        #expect(Data(pushed.utf8) == (try site.read("expected/_posts/2022-03-02-NW202203022293518924.md")))

        let second = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
        #expect(second.status == 0, "stderr: \(second.stderr)")
        let after = try await git(["--git-dir", remote.path, "log", "--format=%s", "main"], in: site.folder)
        #expect(after == log, "a cycle that changed nothing ran the hook")
        let status = try await statusJSON(site)
        let hook = try #require(status["hook"] as? [String: Any])
        #expect(hook["runs"] as? Int == 1)
        #expect(hook["failures"] as? Int == 0)
        #expect(hook["lastResult"] as? String == "ok")
    }

    @Test("The hook runs in the site folder with the counts, the placeholders and the list of changed files")
    func hookEnvironment() async throws {
        let site = try SeedSite()
        try site.write("feeds.conf", """
            [site]
            output = "out"
            timezone = "Asia/Shanghai"

            [hooks]
            after_write = "echo \\"{new} {updated} {archived} $FINEWS_NEW $FINEWS_UPDATED $FINEWS_ARCHIVED\\" > ../counts.txt; cp \\"$FINEWS_CHANGED_FILES\\" ../changed.txt; pwd > ../pwd.txt; echo ${NOTIFY_SOCKET-unset} > ../notify.txt; echo hello from the hook"

            [[feed]]
            name = "taheribao"
            url = "rss.xml"
            tag = "漯河日报新闻"

            """)
        let run = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder,
                                      environment: ["NOTIFY_SOCKET": site.url("notify.sock").path])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(try String(contentsOf: site.url("counts.txt"), encoding: .utf8) == "1 0 0 1 0 0\n")
        // systemd's socket is finews's own.
        #expect(try String(contentsOf: site.url("notify.txt"), encoding: .utf8) == "unset\n")
        #expect(try String(contentsOf: site.url("changed.txt"), encoding: .utf8)
            == "_posts/2022-03-02-NW202203022293518924.md\ncategory/taheribao.html\n")
        let pwd = try String(contentsOf: site.url("pwd.txt"), encoding: .utf8)
        #expect(URL(fileURLWithPath: pwd.trimmingCharacters(in: .newlines)).resolvingSymlinksInPath()
            == site.url("out").resolvingSymlinksInPath())
        // Its output goes to the log.
        #expect(run.stderr.contains("hook: hello from the hook"), "stderr: \(run.stderr)")

        // A story the feed changed is rewritten: the hook sees it as updated.
        let feed = try String(contentsOf: site.url("rss.xml"), encoding: .utf8)
        try site.write("rss.xml", feed.replacingOccurrences(of: "近年来，经济技术开发区", with: "近年来，开发区"))
        let again = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
        #expect(again.status == 0, "stderr: \(again.stderr)")
        #expect(try String(contentsOf: site.url("counts.txt"), encoding: .utf8) == "0 1 0 0 1 0\n")
        #expect(try String(contentsOf: site.url("changed.txt"), encoding: .utf8)
            == "_posts/2022-03-02-NW202203022293518924.md\n")
    }

    @Test("Rotation runs the hook too: a post written and archived in one cycle is listed where it ended")
    func hookAfterRotation() async throws {
        let site = try SeedSite()
        try site.write("feeds.conf", """
            [site]
            output = "out"
            timezone = "Asia/Shanghai"
            archive_after = "1d"

            [hooks]
            after_write = "echo {new} {archived} > ../counts.txt; cp \\"$FINEWS_CHANGED_FILES\\" ../changed.txt"

            [[feed]]
            name = "taheribao"
            url = "rss.xml"
            tag = "漯河日报新闻"

            """)
        let run = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(try String(contentsOf: site.url("counts.txt"), encoding: .utf8) == "1 1\n")
        #expect(try String(contentsOf: site.url("changed.txt"), encoding: .utf8)
            == "category/taheribao.html\nold_post/2022-03-02-NW202203022293518924.md\n")
        #expect(site.publishedFiles() == ["category/taheribao.html", "old_post/2022-03-02-NW202203022293518924.md"])
    }

    @Test("A failing hook is a warning counted in status; it never undoes the cycle")
    func hookFailure() async throws {
        let site = try SeedSite()
        try site.writeConfig("feeds.conf", feeds: [("taheribao", "rss.xml")])
        let config = try String(contentsOf: site.url("feeds.conf"), encoding: .utf8)
        try site.write("feeds.conf", config + "\n[hooks]\nafter_write = \"echo push rejected >&2; exit 7\"\n")
        let run = try await runFinews(["refresh", "--quiet", "--config", "feeds.conf"], in: site.folder)
        #expect(run.status == 0, "a failing hook must not fail the refresh; stderr: \(run.stderr)")
        #expect(run.stderr.contains("the after_write hook failed: exit status 7; last output: push rejected"),
                "stderr: \(run.stderr)")
        #expect(site.publishedFiles() == ["_posts/2022-03-02-NW202203022293518924.md", "category/taheribao.html"])
        let hook = try #require(try await statusJSON(site)["hook"] as? [String: Any])
        #expect(hook["failures"] as? Int == 1)
        #expect(hook["lastResult"] as? String == "failed")
        let table = try await runFinews(["status", "--config", "feeds.conf"], in: site.folder)
        #expect(table.stdout.contains("after_write hook: 1 run, 1 failed; last run"), "\(table.stdout)")
        // The story stays seen: the next cycle writes nothing, so runs no hook.
        let again = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
        #expect(again.stdout.contains("0 new posts"))
        #expect(try await statusJSON(site)["hook"].flatMap { $0 as? [String: Any] }?["runs"] as? Int == 1)
    }

    @Test("A hook past its timeout is killed with its whole process group")
    func hookTimeout() async throws {
        let site = try SeedSite()
        try site.writeConfig("feeds.conf", feeds: [("taheribao", "rss.xml")])
        let config = try String(contentsOf: site.url("feeds.conf"), encoding: .utf8)
        // A child in the background and a foreground sleep: both must die.
        try site.write("feeds.conf", config + """

            [hooks]
            after_write = "sleep 60 & echo $! > ../background.pid; sleep 60"
            timeout = "1s"

            """)
        let clock = ContinuousClock()
        let start = clock.now
        let run = try await runFinewsAsync(["refresh", "--config", "feeds.conf"], in: site.folder, timeout: .seconds(20))
        #expect(clock.now - start < .seconds(10))
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("after_write hook failed: timed out after 1s"), "stderr: \(run.stderr)")
        let pidText = try String(contentsOf: site.url("background.pid"), encoding: .utf8)
        let pid = try #require(Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await waitUntil(timeout: .seconds(5)) { kill(pid, 0) != 0 }, "the hook's background child survived")
        let hook = try #require(try await statusJSON(site)["hook"] as? [String: Any])
        #expect(hook["lastResult"] as? String == "timed-out")
    }

    // MARK: Metrics

    @Test("The textfile is written atomically, parses with prometheus_client and counts across refreshes")
    func metricsTextfile() async throws {
        let site = try SeedSite()
        try FileManager.default.createDirectory(at: site.url("node"), withIntermediateDirectories: true)
        try site.write("feeds.conf", """
            [site]
            output = "out"
            timezone = "Asia/Shanghai"

            [metrics]
            textfile = "node/finews.prom"

            [[feed]]
            name = "taheribao"
            url = "rss.xml"
            tag = "漯河日报新闻"

            [[feed]]
            name = "gone"
            url = "missing.xml"

            """)
        let first = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
        #expect(first.status == 1, "one feed fails; stderr: \(first.stderr)")
        var samples = try await prometheusSamples(try String(contentsOf: site.url("node/finews.prom"), encoding: .utf8))
        #expect(samples["finews_cycles_total"] == 1)
        #expect(samples["finews_posts_new_total"] == 1)
        #expect(samples["finews_posts_duplicate_total"] == 0)
        #expect(samples["finews_posts_blocked_total"] == 0)
        #expect(samples["finews_feed_checks_total{result=fetched}"] == 1)
        #expect(samples["finews_feed_checks_total{result=failed}"] == 1)
        #expect(samples["finews_feeds_failing"] == 1)
        #expect(samples["finews_backoffs_total{reason=backoff}"] == 1)
        #expect(samples["finews_fetch_duration_seconds_count"] == 2)
        #expect(samples["finews_fetch_duration_seconds_bucket{le=+Inf}"] == 2)
        let last = try #require(samples["finews_last_successful_cycle_timestamp_seconds"])
        #expect(abs(last - Date().timeIntervalSince1970) < 60)

        let second = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
        #expect(second.status == 1)
        samples = try await prometheusSamples(try String(contentsOf: site.url("node/finews.prom"), encoding: .utf8))
        #expect(samples["finews_cycles_total"] == 2)
        #expect(samples["finews_posts_new_total"] == 1)
        #expect(samples["finews_feed_checks_total{result=unchanged}"] == 1)
        #expect(samples["finews_posts_duplicate_total"] == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: site.url("node").path) == ["finews.prom"],
                "a temporary file was left next to the textfile")
    }

    @Test("finews run serves /metrics and /healthz on the configured address, and runs the hook")
    func metricsEndpoint() async throws {
        let site = try DaemonSite()
        let server = FeedServer()
        server.set("/a.xml") { $0.items = ["one", "two"] }
        try await server.run { base in
            try site.writeConfig(feeds: [("a", "\(base)/a.xml")], interval: "60s")
            let config = try site.read("feeds.conf")
            try site.write("feeds.conf", config + """

                [metrics]
                listen = "127.0.0.1:0"

                [hooks]
                after_write = "echo $FINEWS_NEW > ../hook-ran.txt"

                """)
            let daemon = try site.daemon()
            #expect(await daemon.waitForLog("cycle done"), "stderr: \(daemon.stderr)")
            let line = try #require(daemon.stderr.split(separator: "\n").first { $0.contains("serving metrics") })
            let address = try #require(line.split(separator: " ").first { $0.hasPrefix("address=") }?.dropFirst(8))
            #expect(address.hasPrefix("127.0.0.1:"))
            #expect(try site.read("hook-ran.txt") == "2\n", "stderr: \(daemon.stderr)")

            let (body, response) = try await get("http://\(address)/metrics")
            #expect(response.statusCode == 200)
            #expect((response.value(forHTTPHeaderField: "Content-Type") ?? "").hasPrefix("text/plain; version=0.0.4"))
            let samples = try await prometheusSamples(body)
            #expect(samples["finews_cycles_total"] == 1)
            #expect(samples["finews_posts_new_total"] == 2)
            #expect(samples["finews_http_responses_total{status=200}"] == 1)
            #expect(samples["finews_fetch_duration_seconds_count"] == 1)
            #expect(samples["finews_hook_runs_total{result=ok}"] == 1)
            #expect(samples["finews_scheduler_healthy"] == 1)

            let (health, healthResponse) = try await get("http://\(address)/healthz")
            #expect(healthResponse.statusCode == 200)
            #expect(health == "ok\n")
            let (_, missing) = try await get("http://\(address)/other")
            #expect(missing.statusCode == 404)

            // A new story: the next scrape shows it.
            server.set("/a.xml") { $0.items = ["one", "two", "three"] }
            daemon.signal(SIGUSR1)
            #expect(await waitUntil { site.posts().count == 3 }, "stderr: \(daemon.stderr)")
            #expect(await waitUntil {
                let text = (try? await get("http://\(address)/metrics").0) ?? ""
                return (try? await prometheusSamples(text))?["finews_posts_new_total"] == 3
            })
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: .seconds(10)) == 0)
        }
    }

    // MARK: Post options

    @Test("[post] date_format = rfc3339 writes Eleventy and Hugo dates; the extra fields follow the reference ones")
    func postOptions() async throws {
        let site = try SeedSite()
        try site.writeConfig("feeds.conf", feeds: [("taheribao", "rss.xml")])
        let config = try String(contentsOf: site.url("feeds.conf"), encoding: .utf8)
        try site.write("feeds.conf", config + """

            [post]
            front_matter = ["infocode", "original_url"]
            date_format = "rfc3339"

            """)
        let run = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let post = try String(contentsOf: site.url("out/_posts/2022-03-02-NW202203022293518924.md"), encoding: .utf8)
        let reference = try String(contentsOf: site.url("expected/_posts/2022-03-02-NW202203022293518924.md"),
                                   encoding: .utf8)
        let head = post.components(separatedBy: "\n---\n")[0].split(separator: "\n", omittingEmptySubsequences: false)
        #expect(head == [
            "---", "layout: post", "title: \"经济技术开发区深化体制机制改革促发展\"", "date: 2022-03-02T08:08:45+08:00",
            "categories: taheribao", "tags: 漯河日报新闻", "infocode: NW202203022293518924",
            "original_url: \"http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202203022293518924\"",
        ])
        // Below the front matter, nothing changed.
        #expect(post.components(separatedBy: "\n---\n")[1] == reference.components(separatedBy: "\n---\n")[1])
    }

    // MARK: Helpers

    @discardableResult
    private func git(_ arguments: [String], in directory: URL) async throws -> String {
        let result = try await runProcess(URL(fileURLWithPath: "/usr/bin/git"), arguments, in: directory)
        try #require(result.status == 0, "git \(arguments.joined(separator: " ")): \(result.stderr)")
        return result.stdout.trimmingCharacters(in: .newlines)
    }

    private func statusJSON(_ site: SeedSite) async throws -> [String: Any] {
        let run = try await runFinews(["status", "--config", "feeds.conf", "--json"], in: site.folder)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    private func get(_ address: String) async throws -> (String, HTTPURLResponse) {
        let url = try #require(URL(string: address))
        let (data, response) = try await URLSession.shared.data(from: url)
        return (String(decoding: data, as: UTF8.self), try #require(response as? HTTPURLResponse))
    }
}

/// The samples of a Prometheus text document as read by Prometheus's own Python
/// client parser (`prometheus_client.parser`), keyed `name{label=value,...}` with
/// the labels sorted. A document the parser rejects fails the test.
func prometheusSamples(_ text: String) async throws -> [String: Double] {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("finews-prom-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let input = folder.appendingPathComponent("metrics.prom")
    try Data(text.utf8).write(to: input)
    let script = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        samples = {}
        for family in text_string_to_metric_families(open(sys.argv[1], encoding="utf-8").read()):
            for sample in family.samples:
                labels = ",".join("%s=%s" % item for item in sorted(sample.labels.items()))
                samples[sample.name + ("{%s}" % labels if labels else "")] = sample.value
        print(json.dumps(samples))
        """
    let python = try #require(pythonWithPrometheusClient, "no python3 with prometheus_client (apt-get install python3-prometheus-client)")
    let result = try await runProcess(python, ["-c", script, input.path])
    try #require(result.status == 0, "prometheus_client rejected the text: \(result.stderr)\n\(text)")
    let decoded = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    let object = try #require(decoded as? [String: Any])
    return object.compactMapValues { ($0 as? NSNumber)?.doubleValue }
}

/// Debian's python3 (python3-prometheus-client), else the first python3 on PATH.
let pythonWithPrometheusClient: URL? = {
    var candidates = ["/usr/bin/python3"]
    for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
        candidates.append("\(folder)/python3")
    }
    for path in candidates where FileManager.default.isExecutableFile(atPath: path) {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: path)
        probe.arguments = ["-c", "import prometheus_client.parser"]
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { continue }
        probe.waitUntilExit()
        if probe.terminationStatus == 0 { return URL(fileURLWithPath: path) }
    }
    return nil
}()
