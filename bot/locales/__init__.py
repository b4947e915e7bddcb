"""Translation catalogs, one module per locale, keyed by the English text the bot writes (see ``bot.i18n``)."""
