import TikTokAdsCLI

await TikTokAdsCommand.main()
