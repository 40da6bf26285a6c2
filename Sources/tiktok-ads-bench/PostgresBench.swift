import Destinations
import Foundation
import Logging
import SyncKit
import TikTokAds
import TikTokSimulator

extension BenchCommand {
    /// The sync workload into a PostgreSQL server, in a fresh schema (dropped afterwards): rows/s end to end and peak RSS.
    func benchPostgres(url: URL, options: SimulatorOptions, logger: Logger) async throws {
        guard let server = postgresUrl ?? ProcessInfo.processInfo.environment["POSTGRES_TEST_URL"], !server.isEmpty else {
            throw SyncError(.badInput, "The postgres workload loads into a server: pass --postgres-url, or export POSTGRES_TEST_URL=\"$(scripts/postgres.sh start)\" first.")
        }
        let schema = "bench_\(UUID().uuidString.prefix(8).lowercased())"
        let destination = PostgresDestination(configuration: try PostgresConfiguration.parse(url: server, schema: schema), logger: logger)
        let (job, _) = try backfillJob(url: url, options: options, destination: destination, logger: logger)
        let rssBefore = MemoryUsage.peakResidentBytes()
        let clock = ContinuousClock()
        let started = clock.now
        let record: RunRecord, rerun: RunRecord, rerunSeconds: Double
        let seconds: Double
        do {
            record = try await job.run()
            seconds = started.duration(to: clock.now).seconds
            // The same window again: every row is there already, so each page goes through staging and the merge.
            let rerunStarted = clock.now
            rerun = try await job.run()
            rerunSeconds = rerunStarted.duration(to: clock.now).seconds
        } catch {
            _ = try? await destination.select("DROP SCHEMA \(schema) CASCADE")
            await destination.close()
            throw error
        }
        let loaded = try await destination.select("SELECT count(*)::text FROM \(schema).tiktok_ads_ad_insights").first?.first ?? nil
        _ = try await destination.select("DROP SCHEMA \(schema) CASCADE")
        await destination.close()
        let rows = record.objects["ad_insights"]?.rows ?? 0
        print("""
            workload:        postgres: \(advertisers) advertisers x \(campaigns * adGroups * ads) ads x \(days) days, ad-level daily backfill into \(destination.displayName)
            simulator:       latency \(options.latency.fixedMs) ms, concurrency \(concurrency)
            status:          \(record.status.rawValue)\(record.errors.isEmpty ? "" : " \(record.errors)")
            rows:            \(rows) written, \(loaded ?? "?") in the table
            wall time:       \(String(format: "%.2f", seconds)) s (API reads, COPY straight into the new table, state, one transaction per page)
            rows/second:     \(String(format: "%.0f", Double(rows) / seconds))
            re-run:          \(rerun.status.rawValue), \(String(format: "%.2f", rerunSeconds)) s, \(String(format: "%.0f", Double(rerun.objects["ad_insights"]?.rows ?? 0) / rerunSeconds)) rows/s (every row there already: COPY into staging and merge)
            peak RSS:        \(MemoryUsage.megabytes(MemoryUsage.peakResidentBytes())) MB (before the sync: \(MemoryUsage.megabytes(rssBefore)) MB)
            """)
    }
}
