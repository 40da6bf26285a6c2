import Foundation
import SyncKit
import Testing
@testable import TikTokAds

struct LocalDateTests {
    @Test(arguments: ["2024-02-29", "1970-01-01", "2026-12-31", "2000-03-01"])
    func roundTrips(_ text: String) throws {
        #expect(try #require(LocalDate(text)).description == text)
    }

    @Test(arguments: ["2023-02-29", "2024-13-01", "2024-1-01", "20240101", "yesterday", "2024-04-31"])
    func rejectsInvalidDates(_ text: String) {
        #expect(LocalDate(text) == nil)
    }

    @Test func localDateFollowsTheTimeZone() throws {
        let instant = try Date("2024-01-01T03:00:00Z", strategy: .iso8601)
        #expect(LocalDate(instant, in: try #require(TimeZone(identifier: "America/New_York"))).description == "2023-12-31")
        #expect(LocalDate(instant, in: try #require(TimeZone(identifier: "Asia/Tokyo"))).description == "2024-01-01")
    }

    @Test func chunksIntoInclusiveWindows() throws {
        let window = DateWindow(start: try #require(LocalDate("2024-01-01")), end: try #require(LocalDate("2024-03-31")))
        let chunks = window.chunked(maxDays: 30)
        #expect(chunks.map(\.description) == ["2024-01-01..2024-01-30", "2024-01-31..2024-02-29", "2024-03-01..2024-03-30", "2024-03-31..2024-03-31"])
        #expect(chunks.allSatisfy { $0.dayCount <= 30 })
    }
}

struct ReportWindowPlannerTests {
    let start = LocalDate("2024-01-01")!  // a valid literal
    let today = LocalDate("2024-06-15")!  // a valid literal

    @Test func firstRunStartsAtTheStartDate() {
        let planner = ReportWindowPlanner(startDate: start, lookbackDays: 7)
        let windows = planner.windows(bookmark: nil, today: today, granularity: .day)
        #expect(windows.first?.start == start)
        #expect(windows.last?.end == today)
        #expect(windows.count == Int((Double(start.days(to: today) + 1) / 30).rounded(.up)))
    }

    @Test func laterRunsRereadTheLookbackWindowInOneRequest() {
        let planner = ReportWindowPlanner(startDate: start, lookbackDays: 7)
        let windows = planner.windows(bookmark: today.adding(days: -1), today: today, granularity: .day)
        #expect(windows == [DateWindow(start: today.adding(days: -8), end: today)])
    }

    @Test func hourlyWindowsAreOneDay() {
        let planner = ReportWindowPlanner(startDate: start, lookbackDays: 2)
        let windows = planner.windows(bookmark: today, today: today, granularity: .hour)
        #expect(windows.count == 3)
        #expect(windows.allSatisfy { $0.start == $0.end })
    }

    @Test func backfillIgnoresTheBookmarkAndStopsAtToday() {
        let planner = ReportWindowPlanner(startDate: start, lookbackDays: 7,
                                          backfill: DateWindow(start: LocalDate("2023-01-01")!, end: today.adding(days: 10)))  // valid literal
        let range = planner.range(bookmark: today, today: today)
        #expect(range == DateWindow(start: LocalDate("2023-01-01")!, end: today))  // valid literal
    }
}
