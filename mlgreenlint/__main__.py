from mlgreenlint.cli import main

raise SystemExit(main())
