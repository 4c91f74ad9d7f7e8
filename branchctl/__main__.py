from branchctl.cli.app import main

main()
