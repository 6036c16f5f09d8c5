from backfire.cli import main

main()
