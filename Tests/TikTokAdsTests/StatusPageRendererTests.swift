import Foundation
import SyncKit
import Testing
@testable import TikTokAdsApp

/// The status page's renderer, on hand-made reports (no server, no browser): text from outside is escaped, cells take
/// the colour of their state, the charts hold one point per run and per day with data, nothing is fetched, no script.
struct StatusPageRendererTests {
    static let now = Date(timeIntervalSince1970: 1_773_576_000)  // 2026-03-15T12:00:00Z

    static func run(_ id: String, minutesAgo: Int, seconds: Double?, status: RunStatus, rows: Int, skipped: [String: String] = [:],
                    pacing: [EndpointPacing] = []) -> StatusReport.RunSummary {
        let start = now.addingTimeInterval(TimeInterval(-minutesAgo * 60))
        var record = RunRecord(id: id, startedAt: start, endedAt: seconds.map { start.addingTimeInterval($0) }, status: status,
                               objects: ["campaigns": ObjectStatistics(rows: rows, requests: 4)], skippedAdvertisers: skipped)
        record.pacing = pacing
        return StatusReport.RunSummary(record)
    }

    static func days(withDataAt slots: Set<Int>, reconciled: [Int: String] = [:]) -> [StatusReport.Day] {
        let first = LocalDate("2026-02-14")!
        return (0..<30).map { slot in
            let has = slots.contains(slot)
            return StatusReport.Day(date: first.adding(days: slot).description, hasData: has, spend: has ? Decimal(10 + slot) : nil,
                                    impressions: has ? 1000 * slot : nil, clicks: has ? slot : nil, reconciliation: reconciled[slot])
        }
    }

    static let hostileName = "<script>alert(\"pwned\")</script> & Co's"
    static let hostileError = "Advertiser 222 skipped: no permission <b>grant</b> access_token=abcdefghijklmnop & retry"

    static func report() -> StatusReport {
        let streams = [
            StatusReport.Stream(advertiserID: "111", object: "ad_insights", bookmark: "2026-03-15", syncedAt: now, ageSeconds: 60, daysBehind: 0,
                                rows: 1234, fresh: true),
            StatusReport.Stream(advertiserID: "111", object: "campaigns", syncedAt: now.addingTimeInterval(-90_000), ageSeconds: 90_000,
                                rows: 3, fresh: false),
            StatusReport.Stream(advertiserID: "222", object: "-", fresh: false, lastError: hostileError),
        ]
        let runs = [
            run("run-3", minutesAgo: 5, seconds: nil, status: .running, rows: 10),
            run("run-2", minutesAgo: 60, seconds: 42.5, status: .partial, rows: 900, skipped: ["222": hostileError],
                pacing: [EndpointPacing(endpoint: "report/integrated/get", requestsPerSecond: 4.25, requestsPerMinute: 600, answers: 80,
                                        rateLimitedAnswers: 3, restrictions: 0)]),
            run("run-1", minutesAgo: 120, seconds: 3.2, status: .succeeded, rows: 1500),
        ]
        let daily = [
            StatusReport.AdvertiserDaily(advertiserID: "111", timeZone: "Europe/Berlin", object: "ad_insights",
                                         days: days(withDataAt: [3, 4, 5, 28, 29], reconciled: [28: "matches", 29: "differs"])),
        ]
        return StatusReport(checkedAt: now, destination: "sqlite:/tmp/x.sqlite", freshWithinSeconds: 7200, schedule: "hourly at minute 5",
                            nextTick: now.addingTimeInterval(300), fresh: false, streams: streams, lastSuccessfulRun: now.addingTimeInterval(-7000),
                            runs: runs, daily: daily, advertiserNames: ["111": hostileName])
    }

    /// The tags whose opening text matches `pattern` (attributes in the order the renderer writes them).
    static func count(_ pattern: String, in html: String) throws -> Int {
        html.matches(of: try Regex(pattern)).count
    }

    @Test func textFromOutsideIsEscapedAndSecretsAreMasked() throws {
        let page = StatusPage.render(Self.report(), server: .schedule)
        #expect(!page.contains("<script"), "no script at all, and the advertiser name's markup is escaped")
        #expect(page.contains("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; Co&#39;s"))
        #expect(!page.contains("<b>grant</b>"))
        #expect(page.contains("no permission &lt;b&gt;grant&lt;/b&gt;"))
        #expect(!page.contains("abcdefghijklmnop"), "a credential-shaped value in an error is masked")
        #expect(page.contains(SecretRedactor.mask))
    }

    @Test func cellsAreColouredByStateWithTheAdviceInADetailsRow() throws {
        let page = StatusPage.render(Self.report(), server: .schedule)
        #expect(page.contains("<td class=\"cell fresh\" data-advertiser=\"111\" data-object=\"ad_insights\" data-state=\"fresh\""))
        #expect(page.contains("<td class=\"cell late\" data-advertiser=\"111\" data-object=\"campaigns\" data-state=\"late\""))
        // The skipped advertiser committed nothing: every object column shows it failing, the reason on hover and below.
        for object in ["ad_insights", "campaigns"] {
            #expect(page.contains("<td class=\"cell failing\" data-advertiser=\"222\" data-object=\"\(object)\" data-state=\"failing\" title=\"Advertiser 222 skipped: no permission &lt;b&gt;grant"))
        }
        let details = try #require(page.firstMatch(of: /<tr class="details" data-advertiser="222">(.*?)<\/tr>/))
        #expect(details.1.contains("no permission &lt;b&gt;grant&lt;/b&gt;"))
        #expect(details.1.contains("ad_insights, campaigns") || details.1.contains("every object"))
        // The stylesheet gives each state its colour.
        for state in ["fresh", "late", "failing"] {
            #expect(page.contains(".cell.\(state){background:\(StatusPageStyle.colours[state]!)}"))
        }
        #expect(Set(StatusPageStyle.colours.values).count == StatusPageStyle.colours.count, "every state has its own colour")
    }

    @Test func theRunChartsHoldOnePointPerRun() throws {
        let page = StatusPage.render(Self.report(), server: .schedule)
        #expect(try Self.count(#"<circle class="point"[^>]*data-chart="run-rows""#, in: page) == 3)
        // The running run has no duration yet: two finished runs, two points.
        #expect(try Self.count(#"<circle class="point"[^>]*data-chart="run-duration""#, in: page) == 2)
        #expect(try Self.count(#"<tr class="run "#, in: page) == 3)
        #expect(page.contains("<tr class=\"run partial\" data-run=\"run-2\" data-status=\"partial\">"))
        #expect(page.contains("report/integrated/get 4.25/s (600/min)"))
        #expect(page.contains("<td class=\"num\">3</td>"), "the rate-limit answers of run-2")
        // Oldest left: run-1 sits at the first slot, run-3 at the last.
        let rows = page.matches(of: /<circle class="point" cx="([0-9.]+)"[^>]*data-chart="run-rows" data-key="([^"]+)"/).map { ($0.2, Double($0.1)!) }
        #expect(rows.map(\.0) == ["run-1", "run-2", "run-3"])
        #expect(rows[0].1 < rows[1].1 && rows[1].1 < rows[2].1)
    }

    @Test func theDailyChartsHoldOnePointPerDayWithDataAndTheStripOneSquarePerDay() throws {
        let page = StatusPage.render(Self.report(), server: .serve)
        for chart in ["spend", "impressions", "clicks"] {
            let keys = page.matches(of: try Regex(#"<circle class="point"[^>]*data-chart="\#(chart)" data-key="([0-9-]+)""#))
            #expect(keys.count == 5, "\(chart)")
        }
        #expect(try Self.count(#"<rect class="day "#, in: page) == 30)
        #expect(page.contains("data-day=\"2026-03-15\" data-reconciliation=\"differs\""))
        #expect(page.contains("data-day=\"2026-03-14\" data-reconciliation=\"matches\""))
        #expect(page.contains("data-day=\"2026-02-14\" data-reconciliation=\"unchecked\""))
        #expect(!page.contains("href=\"metrics\""), "serve has no metrics endpoint to link")
    }

    @Test func thePageFetchesNothingAndSaysTheScheduleAndItsNextTick() throws {
        let page = StatusPage.render(Self.report(), server: .schedule)
        #expect(!page.contains("src="))
        #expect(!page.contains("<link"))
        #expect(!page.contains("@import"))
        #expect(!page.contains("url("))
        #expect(page.contains("hourly at minute 5"))
        #expect(page.contains("next tick <strong>2026-03-15 12:05 UTC</strong>"))
        #expect(page.contains("running here (tiktok-ads schedule)"))
    }

    @Test func anEmptyDestinationRendersWithoutChartsOrGrid() throws {
        let empty = StatusReport(checkedAt: Self.now, destination: "sqlite:x", freshWithinSeconds: 172_800, schedule: "daily (no schedule given)",
                                 fresh: false, streams: [], runs: [])
        let page = StatusPage.render(empty, server: .serve)
        #expect(page.contains("Nothing has been synced into this destination yet."))
        #expect(page.contains("No run is recorded yet."))
        #expect(!page.contains("<svg"))
        #expect(page.contains("none (no schedule given)"))
    }

    @Test func basicAuthAcceptsOnlyTheFilesUserAndPassword() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("auth-\(UUID().uuidString)")
        try "ops:s3cret-pass:word\nignored\n".write(to: file, atomically: true, encoding: .utf8)
        let credentials = try BasicAuthCredentials.load(path: file.path)
        func header(_ text: String) -> String { "Basic " + Data(text.utf8).base64EncodedString() }
        #expect(credentials.accepts(header("ops:s3cret-pass:word")))
        #expect(!credentials.accepts(header("ops:s3cret-pass:wor")))
        #expect(!credentials.accepts(header("ops:s3cret-pass:word2")))
        #expect(!credentials.accepts(header("op:s3cret-pass:word")))
        #expect(!credentials.accepts(nil))
        #expect(!credentials.accepts("Bearer abc"))
        #expect(SecretRedactor.redact("password s3cret-pass:word").contains(SecretRedactor.mask), "the password is a registered secret")

        try "no-colon-here\n".write(to: file, atomically: true, encoding: .utf8)
        let error = try #require(throws: SyncError.self) { try BasicAuthCredentials.load(path: file.path) }
        #expect(error.kind == .badInput)
        #expect(error.message.contains("user:password on its first line"))
        #expect(!error.message.contains("no-colon-here"), "the file's content is never repeated")
    }
}
