"""Static assets copied into the built site (filled in by the exercise runner work)."""


def copy_into_site(root, site_dir) -> None:
    pass
