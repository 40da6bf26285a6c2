import Foundation
import SyncKit
import Testing
import TikTokSimulator

/// The status page of a running `schedule`, loaded in headless Chromium: the DOM it builds holds every selected
/// advertiser and object in the freshness grid, the last run as it ended, one chart point per run and per day with
/// data; a failing advertiser's cells are failing with its advice. Skipped (saying why) only without chromium.
@Suite(.serialized, .enabled(if: Chromium.path != nil, Comment(rawValue: Chromium.missing)))
struct StatusPageBrowserTests {
    /// A grid cell as the DOM holds it.
    struct Cell: Hashable {
        var advertiser: String
        var object: String
        var state: String
    }

    static func cells(_ dom: String) -> [Cell] {
        dom.matches(of: /<td class="cell [a-z]+" data-advertiser="([^"]+)" data-object="([^"]+)" data-state="([a-z]+)"/).map {
            Cell(advertiser: String($0.1), object: String($0.2), state: String($0.3))
        }
    }

    /// The `data-key`s of the points of one chart inside one advertiser's block (or the runs section when nil).
    static func points(_ chart: String, in dom: String) -> [String] {
        dom.matches(of: try! Regex(#"<circle class="point"[^>]*data-chart="\#(chart)" data-key="([^"]+)""#)).compactMap {  // a fixed pattern
            $0.output[1].substring.map(String.init)
        }
    }

    /// One advertiser's block of daily charts.
    static func advertiserBlock(_ advertiser: String, in dom: String) throws -> String {
        let start = try #require(dom.range(of: "<div class=\"advertiser-daily\" data-advertiser=\"\(advertiser)\">"))
        let rest = dom[start.upperBound...]
        let end = rest.range(of: "<div class=\"advertiser-daily\"")?.lowerBound ?? rest.endIndex
        return String(rest[..<end])
    }

    /// Text as Chromium serialises it inside an element.
    static func domText(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    @Test func afterOneRunTheGridRunsAndChartsShowWhatTheDestinationHolds() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let granted = simulator.world.grantedAdvertiserIDs
        let screenshot = FileManager.default.temporaryDirectory.appendingPathComponent("tiktok-ads-status-\(UUID().uuidString).png")
        let (body, dom, exit) = try await simulator.withRunningServer { url in
            let server = try await StatusPageHarness.startSchedule(url, database: database, advertisers: granted,
                                                                   minute: SyncHarness.hourlyMinuteFarFromNow())
            _ = try await StatusPageHarness.waitForFinishedRun(server.base)
            let json = try await StatusPageHarness.get(server.base + "/status.json").body
            let dom = try await Chromium.dumpDOM(server.base + "/")
            try await Chromium.screenshot(server.base + "/", to: screenshot.path)
            return (json, dom, await server.stop())
        }
        #expect(exit == 0)
        let json = try StatusPageHarness.object(body)
        #expect(dom.contains("<h1>tiktok-ads status</h1>"), "\(dom.prefix(1000))")
        #expect(!dom.contains("sim-access-token"), "never a secret")

        // Every selected advertiser and object is in the grid, fresh after the run.
        let cells = Set(Self.cells(dom))
        for advertiser in granted {
            for object in StatusPageHarness.objects {
                #expect(cells.contains(Cell(advertiser: advertiser, object: object, state: "fresh")), "\(advertiser) \(object)")
            }
        }
        #expect(cells.count == granted.count * StatusPageHarness.objects.count)

        // The last run is listed, as succeeded, and each run chart has one point per run listed.
        let runs = try #require(json["runs"] as? [[String: Any]])
        let lastRun = try #require(runs.first?["run_id"] as? String)
        let listed = dom.matches(of: /<tr class="run ([a-z]+)" data-run="([^"]+)" data-status="([a-z]+)">/)
        #expect(listed.first.map { String($0.2) } == lastRun)
        #expect(listed.first.map { String($0.3) } == "succeeded")
        #expect(listed.count == runs.count)
        #expect(Self.points("run-rows", in: dom) == runs.reversed().compactMap { $0["run_id"] as? String })
        #expect(Self.points("run-duration", in: dom).count == runs.count)

        // Per advertiser, one point per day the destination holds in the last 30 local days, on each of the three charts.
        let daily = try #require(json["daily"] as? [[String: Any]])
        for advertiser in granted {
            let series = try #require(daily.first { $0["advertiser_id"] as? String == advertiser })
            let days = try #require(series["days"] as? [[String: Any]])
            let window = (try #require(days.first?["date"] as? String), try #require(days.last?["date"] as? String))
            let stored = try await SyncHarness.query(database, """
                SELECT DISTINCT stat_time_day FROM tiktok_ads_ad_insights WHERE advertiser_id = '\(advertiser)'
                AND stat_time_day >= '\(window.0)' AND stat_time_day <= '\(window.1)' ORDER BY 1
                """).compactMap { $0.first.flatMap { $0 } }
            #expect(!stored.isEmpty)
            let block = try Self.advertiserBlock(advertiser, in: dom)
            for chart in ["spend", "impressions", "clicks"] {
                #expect(Self.points(chart, in: block) == stored, "\(advertiser) \(chart)")
            }
            #expect(block.matches(of: /<rect class="day [a-z]+"/).count == 30)
        }

        // The screenshot is a PNG of the page.
        let png = try Data(contentsOf: screenshot)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(png.count > 10_000)
    }

    @Test func aFailingAdvertisersCellsAreFailingWithItsAdvice() async throws {
        let simulator = TikTokSimulator(options: SyncHarness.simulatorOptions())
        let database = SyncHarness.temporaryDatabase()
        let granted = simulator.world.grantedAdvertiserIDs
        let refused = try #require(simulator.world.advertisers.first { !$0.isGranted }?.id)
        let (body, dom, exit) = try await simulator.withRunningServer { url in
            let server = try await StatusPageHarness.startSchedule(url, database: database, advertisers: granted + [refused],
                                                                   minute: SyncHarness.hourlyMinuteFarFromNow())
            _ = try await StatusPageHarness.waitForFinishedRun(server.base)
            let json = try await StatusPageHarness.get(server.base + "/status.json").body
            let dom = try await Chromium.dumpDOM(server.base + "/")
            return (json, dom, await server.stop())
        }
        #expect(exit == 0)
        let json = try StatusPageHarness.object(body)
        let streams = try #require(json["streams"] as? [[String: Any]])
        let advice = try #require(streams.first { $0["advertiser_id"] as? String == refused }?["last_error"] as? String)
        #expect(advice.contains("grant"), "\(advice)")

        let cells = Self.cells(dom)
        let failing = cells.filter { $0.advertiser == refused }
        #expect(Set(failing.map(\.object)) == Set(StatusPageHarness.objects))
        #expect(failing.allSatisfy { $0.state == "failing" }, "\(failing)")
        #expect(cells.filter { granted.contains($0.advertiser) }.allSatisfy { $0.state == "fresh" })
        let details = try #require(dom.firstMatch(of: try Regex(#"<tr class="details" data-advertiser="\#(refused)">(.*?)</tr>"#)))
        #expect(String(details.output[1].substring ?? "").contains(Self.domText(advice)), "\(details.output[0].substring ?? "")")

        let listed = try #require(dom.firstMatch(of: /<tr class="run ([a-z]+)" data-run="[^"]+" data-status="([a-z]+)">(.*?)<\/tr>/))
        #expect(listed.2 == "partial")
        #expect(listed.3.contains(refused), "the run lists the skipped advertiser")
    }
}
