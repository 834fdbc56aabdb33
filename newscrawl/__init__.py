"""newscrawl: Yonhap News Agency English site to clean article feeds."""
