"""The manual's pages and the pictures they show, installed as vxi_resources.manual: the designer's
Help ▸ User manual reads them (backend.resources.manual_page), so an installed wheel carries its manual."""
